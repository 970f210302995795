/* Pose and expression from the 68 landmarks. The pose is a weak-perspective
 * fit: the 2 x 4 affine map that best takes nine points of a mean 3D face
 * (millimetres, anthropometric averages) onto their landmarks, in the least
 * squares sense; its rows are a scaled rotation, whose third column gives
 * yaw and pitch. No camera model is needed at a kiosk's distance. */
#include "photo-pose.h"

#include <math.h>

/* Landmark index and mean 3D position (x to the image right, y up, z
 * towards the camera; the nose tip is the origin). */
static const struct {
  int i;
  double x, y, z;
} face3d[] = {
    {30, 0, 0, 0},       /* nose tip */
    {27, 0, 45, -22},    /* nasion, between the eyes */
    {8, 0, -66, -13},    /* chin */
    {36, -44, 34, -28},  /* outer eye corners */
    {45, 44, 34, -28},   /* */
    {39, -15, 33, -24},  /* inner eye corners */
    {42, 15, 33, -24},   /* */
    {48, -26, -28, -22}, /* mouth corners */
    {54, 26, -28, -22},  /* */
};

/* The patch the landmarks are refitted on: eye distance in pixels. */
#define PATCH_D 64.0

static void mean_point(const Landmarks *p, int from, int to, double *x,
                       double *y)
{
  *x = *y = 0;
  for (int i = from; i <= to; i++)
    *x += p->x[i], *y += p->y[i];
  *x /= to - from + 1;
  *y /= to - from + 1;
}

static double dist(const Landmarks *p, int a, int b)
{
  return hypot(p->x[a] - p->x[b], p->y[a] - p->y[b]);
}

/* Eye aspect ratio of the eye whose six points start at `k` (outer or
 * inner corner first, then the upper lid, the other corner, the lower
 * lid). */
static double eye_aspect(const Landmarks *p, int k)
{
  double w = dist(p, k, k + 3);

  return w > 0 ? (dist(p, k + 1, k + 5) + dist(p, k + 2, k + 4)) / (2 * w) : 0;
}

/* Solves the n x n system a x = b in place (Gauss-Jordan with partial
 * pivoting). FALSE when singular. */
static gboolean solve(int n, double a[4][4], double b[4])
{
  for (int c = 0; c < n; c++) {
    int piv = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(a[r][c]) > fabs(a[piv][c]))
        piv = r;
    if (fabs(a[piv][c]) < 1e-12)
      return FALSE;
    for (int k = 0; k < n; k++) {
      double t = a[c][k];
      a[c][k] = a[piv][k], a[piv][k] = t;
    }
    double t = b[c];
    b[c] = b[piv], b[piv] = t;
    for (int r = 0; r < n; r++) {
      if (r == c)
        continue;
      double f = a[r][c] / a[c][c];
      for (int k = 0; k < n; k++)
        a[r][k] -= f * a[c][k];
      b[r] -= f * b[c];
    }
  }
  for (int c = 0; c < n; c++)
    b[c] /= a[c][c];
  return TRUE;
}

/* Yaw and pitch from the weak-perspective fit. */
static void fit_pose(PhotoPose *pose)
{
  const int n = G_N_ELEMENTS(face3d);
  double row[2][4];
  double misfit = 0;

  for (int k = 0; k < 2; k++) {
    double a[4][4] = {{0}}, b[4] = {0};
    for (int j = 0; j < n; j++) {
      /* Image y grows downwards, the model's y upwards. */
      double v[4] = {face3d[j].x, -face3d[j].y, face3d[j].z, 1};
      double t = k == 0 ? pose->pts.x[face3d[j].i] : pose->pts.y[face3d[j].i];
      for (int r = 0; r < 4; r++) {
        for (int c = 0; c < 4; c++)
          a[r][c] += v[r] * v[c];
        b[r] += v[r] * t;
      }
    }
    if (!solve(4, a, b)) {
      pose->yaw_deg = pose->pitch_deg = 0;
      pose->pose_residual = 1;
      return;
    }
    for (int c = 0; c < 4; c++)
      row[k][c] = b[c];
  }
  for (int j = 0; j < n; j++) {
    double v[4] = {face3d[j].x, -face3d[j].y, face3d[j].z, 1};
    double px = 0, py = 0;
    for (int c = 0; c < 4; c++)
      px += row[0][c] * v[c], py += row[1][c] * v[c];
    misfit += pow(px - pose->pts.x[face3d[j].i], 2) +
              pow(py - pose->pts.y[face3d[j].i], 2);
  }
  pose->pose_residual = sqrt(misfit / n) / MAX(pose->d, 1e-9);
  /* The first two rows of a rotation times the scale: normalise each; the
   * z component of the x row is the sine of yaw, that of the y row minus
   * the sine of pitch (chin up turns the face's front upwards). */
  double n0 = sqrt(row[0][0] * row[0][0] + row[0][1] * row[0][1] +
                   row[0][2] * row[0][2]);
  double n1 = sqrt(row[1][0] * row[1][0] + row[1][1] * row[1][1] +
                   row[1][2] * row[1][2]);
  pose->yaw_deg = asin(CLAMP(row[0][2] / MAX(n0, 1e-9), -1, 1)) * 180 / G_PI;
  pose->pitch_deg = asin(CLAMP(-row[1][2] / MAX(n1, 1e-9), -1, 1)) * 180 / G_PI;
}

static void derive(PhotoPose *pose)
{
  const Landmarks *p = &pose->pts;
  double bx, by;

  mean_point(p, 36, 41, &pose->eye_lx, &pose->eye_ly);
  mean_point(p, 42, 47, &pose->eye_rx, &pose->eye_ry);
  pose->mx = (pose->eye_lx + pose->eye_rx) / 2;
  pose->my = (pose->eye_ly + pose->eye_ry) / 2;
  pose->d = MAX(hypot(pose->eye_rx - pose->eye_lx, pose->eye_ry - pose->eye_ly),
                1e-6);
  pose->roll_deg =
      atan2(pose->eye_ry - pose->eye_ly, pose->eye_rx - pose->eye_lx) * 180 /
      G_PI;
  pose->eye_aspect_left = eye_aspect(p, 36);
  pose->eye_aspect_right = eye_aspect(p, 42);
  pose->eye_aspect = MIN(pose->eye_aspect_left, pose->eye_aspect_right);
  pose->mouth_open = (dist(p, 61, 67) + dist(p, 62, 66) + dist(p, 63, 65)) / 3 /
                     MAX(dist(p, 60, 64), 1e-6);
  pose->chin_x = p->x[8];
  pose->chin_y = p->y[8];
  mean_point(p, 17, 26, &bx, &by);
  {
    /* The head's "up" is the eye line turned a quarter to the left. */
    double ux = (pose->eye_ry - pose->eye_ly) / pose->d;
    double uy = -(pose->eye_rx - pose->eye_lx) / pose->d;
    pose->brow_height = ((bx - pose->mx) * ux + (by - pose->my) * uy) / pose->d;
  }
  fit_pose(pose);
}

void photo_pose_point(const PhotoPose *pose, double along, double up,
                      double *ret_x, double *ret_y)
{
  double ex = (pose->eye_rx - pose->eye_lx) / pose->d;
  double ey = (pose->eye_ry - pose->eye_ly) / pose->d;

  /* "up" is perpendicular to the eye line, pointing away from the chin. */
  *ret_x = pose->mx + (along * ex + up * ey) * pose->d;
  *ret_y = pose->my + (along * ey - up * ex) * pose->d;
}

/* A grey patch in which the head is upright at eye distance PATCH_D, eye
 * midpoint at (2, 1.6) eye distances; bilinear samples of `grey`. */
static BkImage *upright_patch(const BkImage *grey, const PhotoPose *pose)
{
  const int pw = (int)(4 * PATCH_D), ph = (int)(4.4 * PATCH_D);
  BkImage *patch = image_new(pw, ph, 1);

  for (int y = 0; y < ph; y++)
    for (int x = 0; x < pw; x++) {
      double sx, sy;
      photo_pose_point(pose, x / PATCH_D - 2, 1.6 - y / PATCH_D, &sx, &sy);
      sx = CLAMP(sx, 0, grey->width - 1.001);
      sy = CLAMP(sy, 0, grey->height - 1.001);
      int ix = (int)sx, iy = (int)sy;
      double fx = sx - ix, fy = sy - iy;
      const guint8 *a = image_pixel(grey, ix, iy);
      const guint8 *b = image_pixel(grey, ix, MIN(iy + 1, grey->height - 1));
      int ix1 = MIN(ix + 1, grey->width - 1) - ix;
      double v = (a[0] * (1 - fx) + a[ix1] * fx) * (1 - fy) +
                 (b[0] * (1 - fx) + b[ix1] * fx) * fy;
      image_pixel(patch, x, y)[0] = (guint8)(v + 0.5);
    }
  return patch;
}

void photo_pose_fit(const Landmarker *model, const BkImage *grey, double bx,
                    double by, double bw, double bh, PhotoPose *ret)
{
  PhotoPose first = {0};
  g_autoptr(BkImage) patch = NULL;

  landmarks_fit(model, grey, bx, by, bw, bh, &first.pts);
  derive(&first);
  /* Refit upright, in the box dlib's own detector would draw around an
   * upright face: about 2.35 eye distances square, from 0.62 above the
   * eyes. */
  patch = upright_patch(grey, &first);
  *ret = first;
  landmarks_fit(model, patch, (2 - 1.17) * PATCH_D, (1.6 - 0.62) * PATCH_D,
                2.35 * PATCH_D, 2.35 * PATCH_D, &ret->pts);
  for (int i = 0; i < LANDMARKS_COUNT; i++) {
    double x, y;
    photo_pose_point(&first, ret->pts.x[i] / PATCH_D - 2,
                     1.6 - ret->pts.y[i] / PATCH_D, &x, &y);
    ret->pts.x[i] = x, ret->pts.y[i] = y;
  }
  derive(ret);
}
