/* A small evaluator for OpenCV's Haar cascades. We read the XML with
 * GMarkup and scan an image pyramid: each level is the searched region
 * shrunk so that the cascade's fixed window (24x24 for faces) covers the
 * wanted face size, with an integral and a squared integral image per level.
 * Feature sums are normalised by the window's standard deviation exactly as
 * the cascades were trained (OpenCV's HaarEvaluator), so the stage
 * thresholds in the files apply unchanged. */
#include "photo-face.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  int x, y, w, h;
  float weight;
} CascadeRect;

typedef struct {
  CascadeRect rect[3];
  int n_rects;
} CascadeFeature;

typedef struct {
  int left, right, feature;
  float threshold;
} CascadeNode;

typedef struct {
  int first_node, first_leaf;
} CascadeWeak;

typedef struct {
  int first_weak, n_weak;
  float threshold;
} CascadeStage;

struct _PhotoCascade {
  int width, height;
  GArray *features; /* CascadeFeature */
  GArray *nodes;    /* CascadeNode */
  GArray *leaves;   /* float */
  GArray *weaks;    /* CascadeWeak */
  GArray *stages;   /* CascadeStage */
};

typedef struct {
  PhotoCascade *cascade;
  GPtrArray *stack; /* element names, borrowed from GMarkup */
  gboolean haar;
} CascadeParser;

void photo_cascade_free(PhotoCascade *cascade)
{
  if (!cascade)
    return;
  g_clear_pointer(&cascade->features, g_array_unref);
  g_clear_pointer(&cascade->nodes, g_array_unref);
  g_clear_pointer(&cascade->leaves, g_array_unref);
  g_clear_pointer(&cascade->weaks, g_array_unref);
  g_clear_pointer(&cascade->stages, g_array_unref);
  g_free(cascade);
}

int photo_cascade_width(const PhotoCascade *cascade)
{
  return cascade->width;
}

int photo_cascade_height(const PhotoCascade *cascade)
{
  return cascade->height;
}

static const char *parser_parent(CascadeParser *p, guint up)
{
  if (p->stack->len <= up)
    return "";
  return g_ptr_array_index(p->stack, p->stack->len - 1 - up);
}

static void parser_start(GMarkupParseContext *ctx, const char *name,
                         const char **attr_names, const char **attr_values,
                         gpointer user_data, GError **error)
{
  CascadeParser *p = user_data;
  PhotoCascade *c = p->cascade;
  const char *parent = parser_parent(p, 0);

  g_ptr_array_add(p->stack, g_strdup(name));
  if (strcmp(name, "_") != 0)
    return;
  if (strcmp(parent, "stages") == 0) {
    CascadeStage stage = {(int)c->weaks->len, 0, 0};
    g_array_append_val(c->stages, stage);
  } else if (strcmp(parent, "weakClassifiers") == 0) {
    CascadeWeak weak = {(int)c->nodes->len, (int)c->leaves->len};
    if (c->stages->len == 0) {
      g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                  "weak classifier outside a stage");
      return;
    }
    g_array_append_val(c->weaks, weak);
    g_array_index(c->stages, CascadeStage, c->stages->len - 1).n_weak++;
  } else if (strcmp(parent, "features") == 0) {
    CascadeFeature feature = {0};
    g_array_append_val(c->features, feature);
  }
}

static void parser_end(GMarkupParseContext *ctx, const char *name,
                       gpointer user_data, GError **error)
{
  CascadeParser *p = user_data;

  g_ptr_array_remove_index(p->stack, p->stack->len - 1);
}

/* Parses whitespace-separated numbers; returns how many were read. */
static int parse_numbers(const char *text, gsize len, double *out, int max)
{
  g_autofree char *copy = g_strndup(text, len);
  char *s = copy, *end;
  int n = 0;

  while (n < max) {
    double v = g_ascii_strtod(s, &end);
    if (end == s)
      break;
    out[n++] = v;
    s = end;
  }
  return n;
}

static void parser_text(GMarkupParseContext *ctx, const char *text, gsize len,
                        gpointer user_data, GError **error)
{
  CascadeParser *p = user_data;
  PhotoCascade *c = p->cascade;
  const char *name = parser_parent(p, 0);
  const char *parent = parser_parent(p, 1);
  double v[64];
  int n;

  if (strcmp(name, "featureType") == 0) {
    p->haar = g_strstr_len(text, (gssize)len, "HAAR") != NULL;
  } else if ((strcmp(name, "width") == 0 || strcmp(name, "height") == 0) &&
             strcmp(parent, "cascade") == 0) {
    if (parse_numbers(text, len, v, 1) == 1) {
      if (name[0] == 'w')
        c->width = (int)v[0];
      else
        c->height = (int)v[0];
    }
  } else if (strcmp(name, "stageThreshold") == 0 && c->stages->len > 0) {
    if (parse_numbers(text, len, v, 1) == 1)
      /* OpenCV subtracts a small epsilon on load; do the same. */
      g_array_index(c->stages, CascadeStage, c->stages->len - 1).threshold =
          (float)(v[0] - 1e-5);
  } else if (strcmp(name, "internalNodes") == 0) {
    n = parse_numbers(text, len, v, 64);
    if (n == 0 || n % 4 != 0) {
      g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                  "bad internalNodes");
      return;
    }
    for (int i = 0; i < n; i += 4) {
      CascadeNode node = {(int)v[i], (int)v[i + 1], (int)v[i + 2],
                          (float)v[i + 3]};
      g_array_append_val(c->nodes, node);
    }
  } else if (strcmp(name, "leafValues") == 0) {
    n = parse_numbers(text, len, v, 64);
    for (int i = 0; i < n; i++) {
      float leaf = (float)v[i];
      g_array_append_val(c->leaves, leaf);
    }
  } else if (strcmp(name, "_") == 0 && strcmp(parent, "rects") == 0 &&
             c->features->len > 0) {
    CascadeFeature *f =
        &g_array_index(c->features, CascadeFeature, c->features->len - 1);
    if (f->n_rects >= 3 || parse_numbers(text, len, v, 5) != 5) {
      g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
                  "bad feature rectangle");
      return;
    }
    f->rect[f->n_rects++] =
        (CascadeRect){(int)v[0], (int)v[1], (int)v[2], (int)v[3], (float)v[4]};
  } else if (strcmp(name, "tilted") == 0) {
    if (parse_numbers(text, len, v, 1) == 1 && v[0] != 0)
      g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_UNSUPPORTED,
                  "tilted Haar features are not supported");
  }
}

/* Everything a malformed file could make us index is checked here once, so
 * the scanning loop needs no bounds checks. */
static gboolean cascade_validate(PhotoCascade *c, GError **error)
{
  int n_features = (int)c->features->len;

  if (c->width < 8 || c->height < 8 || c->width > 64 || c->height > 64 ||
      c->stages->len == 0)
    goto bad;
  for (guint i = 0; i < c->features->len; i++) {
    CascadeFeature *f = &g_array_index(c->features, CascadeFeature, i);
    if (f->n_rects < 2)
      goto bad;
    for (int r = 0; r < f->n_rects; r++) {
      CascadeRect *rect = &f->rect[r];
      if (rect->x < 0 || rect->y < 0 || rect->w < 1 || rect->h < 1 ||
          rect->x + rect->w > c->width || rect->y + rect->h > c->height)
        goto bad;
    }
  }
  for (guint i = 0; i < c->weaks->len; i++) {
    CascadeWeak *w = &g_array_index(c->weaks, CascadeWeak, i);
    int end_node = i + 1 < c->weaks->len
                       ? g_array_index(c->weaks, CascadeWeak, i + 1).first_node
                       : (int)c->nodes->len;
    int end_leaf = i + 1 < c->weaks->len
                       ? g_array_index(c->weaks, CascadeWeak, i + 1).first_leaf
                       : (int)c->leaves->len;
    int n_nodes = end_node - w->first_node, n_leaves = end_leaf - w->first_leaf;
    if (n_nodes < 1 || n_leaves != n_nodes + 1)
      goto bad;
    for (int k = 0; k < n_nodes; k++) {
      CascadeNode *node =
          &g_array_index(c->nodes, CascadeNode, w->first_node + k);
      if (node->feature < 0 || node->feature >= n_features)
        goto bad;
      /* Children: positive = a later node of this tree, else a leaf. */
      if (node->left > 0 ? (node->left <= k || node->left >= n_nodes)
                         : -node->left >= n_leaves)
        goto bad;
      if (node->right > 0 ? (node->right <= k || node->right >= n_nodes)
                          : -node->right >= n_leaves)
        goto bad;
    }
  }
  return TRUE;
bad:
  g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_INVALID_DATA,
              "inconsistent cascade file");
  return FALSE;
}

PhotoCascade *photo_cascade_load(const char *path, GError **error)
{
  static const GMarkupParser parser = {parser_start, parser_end, parser_text,
                                       NULL, NULL};
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GError) local = NULL;
  g_autoptr(PhotoCascade) c = g_new0(PhotoCascade, 1);
  CascadeParser p = {c, g_ptr_array_new_with_free_func(g_free), FALSE};
  GMarkupParseContext *ctx;
  gboolean ok;

  if (!g_file_get_contents(path, &contents, &len, &local)) {
    g_ptr_array_unref(p.stack);
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_IO, "%s", local->message);
    return NULL;
  }
  c->features = g_array_new(FALSE, TRUE, sizeof(CascadeFeature));
  c->nodes = g_array_new(FALSE, TRUE, sizeof(CascadeNode));
  c->leaves = g_array_new(FALSE, TRUE, sizeof(float));
  c->weaks = g_array_new(FALSE, TRUE, sizeof(CascadeWeak));
  c->stages = g_array_new(FALSE, TRUE, sizeof(CascadeStage));
  ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
  ok = g_markup_parse_context_parse(ctx, contents, (gssize)len, error) &&
       g_markup_parse_context_end_parse(ctx, error);
  g_markup_parse_context_free(ctx);
  g_ptr_array_unref(p.stack);
  if (!ok)
    return NULL;
  if (!p.haar) {
    g_set_error(error, CAPTURE_ERROR, CAPTURE_ERROR_UNSUPPORTED,
                "%s: not a Haar cascade", path);
    return NULL;
  }
  if (!cascade_validate(c, error))
    return NULL;
  return g_steal_pointer(&c);
}

/* ---- scanning ---- */

typedef struct {
  int w, h;     /* level size */
  gsize stride; /* (w + 1) */
  guint32 *sum; /* (w+1) x (h+1) integral */
  guint64 *sqsum;
} Level;

static void level_build(Level *lv, const BkImage *grey)
{
  lv->w = grey->width;
  lv->h = grey->height;
  lv->stride = (gsize)lv->w + 1;
  lv->sum = g_new0(guint32, lv->stride * (gsize)(lv->h + 1));
  lv->sqsum = g_new0(guint64, lv->stride * (gsize)(lv->h + 1));
  for (int y = 0; y < lv->h; y++) {
    const guint8 *row = image_pixel(grey, 0, y);
    guint32 rs = 0;
    guint64 rq = 0;
    guint32 *s = lv->sum + (gsize)(y + 1) * lv->stride + 1;
    guint64 *q = lv->sqsum + (gsize)(y + 1) * lv->stride + 1;
    for (int x = 0; x < lv->w; x++) {
      rs += row[x];
      rq += (guint64)row[x] * row[x];
      s[x] = s[x - (gssize)lv->stride] + rs;
      q[x] = q[x - (gssize)lv->stride] + rq;
    }
  }
}

static inline guint32 rect_sum(const guint32 *s, gsize stride, int x, int y,
                               int w, int h)
{
  return s[(gsize)(y + h) * stride + (gsize)(x + w)] -
         s[(gsize)y * stride + (gsize)(x + w)] -
         s[(gsize)(y + h) * stride + (gsize)x] +
         s[(gsize)y * stride + (gsize)x];
}

static gboolean cascade_window(const PhotoCascade *c, const Level *lv, int x,
                               int y)
{
  const int nw = c->width - 2, nh = c->height - 2;
  guint32 s = rect_sum(lv->sum, lv->stride, x + 1, y + 1, nw, nh);
  const guint64 *q = lv->sqsum;
  gsize st = lv->stride;
  guint64 sq = q[(gsize)(y + 1 + nh) * st + (gsize)(x + 1 + nw)] -
               q[(gsize)(y + 1) * st + (gsize)(x + 1 + nw)] -
               q[(gsize)(y + 1 + nh) * st + (gsize)(x + 1)] +
               q[(gsize)(y + 1) * st + (gsize)(x + 1)];
  double nf = (double)nw * nh * (double)sq - (double)s * s;
  const CascadeFeature *features = (const CascadeFeature *)c->features->data;
  const CascadeNode *nodes = (const CascadeNode *)c->nodes->data;
  const float *leaves = (const float *)c->leaves->data;
  const CascadeWeak *weaks = (const CascadeWeak *)c->weaks->data;
  const CascadeStage *stages = (const CascadeStage *)c->stages->data;
  float inv;

  nf = nf > 0 ? sqrt(nf) : 1.0;
  inv = (float)(1.0 / nf);
  for (guint si = 0; si < c->stages->len; si++) {
    const CascadeStage *stage = &stages[si];
    float total = 0;
    for (int wi = 0; wi < stage->n_weak; wi++) {
      const CascadeWeak *weak = &weaks[stage->first_weak + wi];
      const CascadeNode *tree = nodes + weak->first_node;
      int idx = 0;
      do {
        const CascadeNode *node = &tree[idx];
        const CascadeFeature *f = &features[node->feature];
        float v = 0;
        for (int r = 0; r < f->n_rects; r++)
          v += f->rect[r].weight *
               (float)rect_sum(lv->sum, lv->stride, x + f->rect[r].x,
                               y + f->rect[r].y, f->rect[r].w, f->rect[r].h);
        idx = v * inv < node->threshold ? node->left : node->right;
      } while (idx > 0);
      total += leaves[weak->first_leaf - idx];
    }
    if (total < stage->threshold)
      return FALSE;
  }
  return TRUE;
}

static gboolean similar(const PhotoDetection *a, const PhotoDetection *b)
{
  double delta = 0.2 * (MIN(a->w, b->w) + MIN(a->h, b->h)) * 0.5;

  return fabs(a->x - b->x) <= delta && fabs(a->y - b->y) <= delta &&
         fabs(a->x + a->w - b->x - b->w) <= delta &&
         fabs(a->y + a->h - b->y - b->h) <= delta;
}

static int uf_find(int *parent, int i)
{
  while (parent[i] != i)
    i = parent[i] = parent[parent[i]];
  return i;
}

static int compare_detections(gconstpointer a, gconstpointer b)
{
  const PhotoDetection *x = a, *y = b;

  if (x->neighbours != y->neighbours)
    return y->neighbours - x->neighbours;
  return (y->w > x->w) - (y->w < x->w);
}

/* Clusters raw hits, averages each cluster, drops small clusters and those
 * lying inside a stronger one (OpenCV's groupRectangles in spirit). */
static GArray *group_hits(GArray *hits, int min_neighbours)
{
  int n = (int)hits->len;
  g_autofree int *parent = g_new(int, MAX(n, 1));
  g_autofree PhotoDetection *acc = g_new0(PhotoDetection, MAX(n, 1));
  GArray *out = g_array_new(FALSE, FALSE, sizeof(PhotoDetection));
  GArray *groups = g_array_new(FALSE, FALSE, sizeof(PhotoDetection));

  for (int i = 0; i < n; i++)
    parent[i] = i;
  for (int i = 0; i < n; i++)
    for (int j = i + 1; j < n; j++)
      if (similar(&g_array_index(hits, PhotoDetection, i),
                  &g_array_index(hits, PhotoDetection, j)))
        parent[uf_find(parent, i)] = uf_find(parent, j);
  for (int i = 0; i < n; i++) {
    int r = uf_find(parent, i);
    const PhotoDetection *h = &g_array_index(hits, PhotoDetection, i);
    acc[r].x += h->x, acc[r].y += h->y, acc[r].w += h->w, acc[r].h += h->h;
    acc[r].neighbours++;
  }
  for (int i = 0; i < n; i++) {
    PhotoDetection d = acc[i];
    if (d.neighbours < MAX(min_neighbours, 1))
      continue;
    d.x /= d.neighbours, d.y /= d.neighbours;
    d.w /= d.neighbours, d.h /= d.neighbours;
    g_array_append_val(groups, d);
  }
  g_array_sort(groups, compare_detections);
  for (guint i = 0; i < groups->len; i++) {
    const PhotoDetection *d = &g_array_index(groups, PhotoDetection, i);
    gboolean inside = FALSE;
    for (guint j = 0; j < out->len && !inside; j++) {
      const PhotoDetection *o = &g_array_index(out, PhotoDetection, j);
      double dx = o->w * 0.2, dy = o->h * 0.2;
      inside = d->x >= o->x - dx && d->y >= o->y - dy &&
               d->x + d->w <= o->x + o->w + dx &&
               d->y + d->h <= o->y + o->h + dy;
    }
    if (!inside)
      g_array_append_val(out, *d);
  }
  g_array_unref(groups);
  return out;
}

GArray *photo_cascade_detect(const PhotoCascade *c, const BkImage *grey, int rx,
                             int ry, int rw, int rh, double min_size,
                             double max_size, double step, int min_neighbours)
{
  return photo_cascade_detect_masked(c, grey, NULL, rx, ry, rw, rh, min_size,
                                     max_size, step, min_neighbours);
}

GArray *photo_cascade_detect_masked(const PhotoCascade *c, const BkImage *grey,
                                    const BkImage *mask, int rx, int ry, int rw,
                                    int rh, double min_size, double max_size,
                                    double step, int min_neighbours)
{
  g_autoptr(GArray) hits = g_array_new(FALSE, FALSE, sizeof(PhotoDetection));
  g_autoptr(BkImage) region = NULL;

  g_return_val_if_fail(c && grey && grey->channels == 1, NULL);
  g_return_val_if_fail(!mask || (mask->width == grey->width &&
                                 mask->height == grey->height &&
                                 mask->channels == 1),
                       NULL);
  rx = CLAMP(rx, 0, grey->width - 1);
  ry = CLAMP(ry, 0, grey->height - 1);
  rw = MIN(rw, grey->width - rx);
  rh = MIN(rh, grey->height - ry);
  step = MAX(step, 1.05);
  min_size = MAX(min_size, c->width);
  max_size = MIN(max_size, MIN((double)rw, (double)rh * c->width / c->height));
  if (rw < c->width || rh < c->height || min_size > max_size)
    return g_array_new(FALSE, FALSE, sizeof(PhotoDetection));
  region = image_crop(grey, rx, ry, rw, rh);
  for (double size = min_size; size <= max_size * 1.0001; size *= step) {
    double factor = size / c->width; /* region pixels per level pixel */
    int lw = (int)(rw / factor), lh = (int)(rh / factor);
    g_autoptr(BkImage) scaled = NULL;
    Level lv;
    int ystep = factor > 2.0 ? 1 : 2;

    if (lw < c->width || lh < c->height)
      break;
    scaled = factor > 1.0001 ? image_scale(region, lw, lh) : image_copy(region);
    level_build(&lv, scaled);
    for (int y = 0; y + c->height <= lv.h; y += ystep)
      for (int x = 0; x + c->width <= lv.w; x += ystep) {
        if (mask) {
          int mx = rx + (int)((x + c->width / 2) * factor);
          int my = ry + (int)((y + c->height / 2) * factor);
          if (!image_pixel(mask, MIN(mx, mask->width - 1),
                           MIN(my, mask->height - 1))[0])
            continue;
        }
        if (cascade_window(c, &lv, x, y)) {
          PhotoDetection d = {rx + x * factor, ry + y * factor,
                              c->width * factor, c->height * factor, 1};
          g_array_append_val(hits, d);
        }
      }
    g_free(lv.sum);
    g_free(lv.sqsum);
  }
  return group_hits(hits, min_neighbours);
}
