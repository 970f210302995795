/* `biokiosk officers import|list` as a technician runs it (issue 12, item
 * 5): a good file replaces the table and the list shows the ids only; a
 * file with a duplicate id, a malformed hash, an empty id, an unknown key,
 * deep nesting or no file at all exits with status 2 and one line on
 * stderr, and the table is left as it was. */
#include <string.h>

#include "testlib.h"

/* Two real crypto_pwhash_str hashes (PINs 2468 and 1357). */
#define HASH_A                                                                 \
  "$argon2id$v=19$m=65536,t=2,p=1$DXQlII0UR8hzSUUhUK/8lA$"                     \
  "OXbt1YP/9WXAito6edg/sVFZrDi2X5CovQGuJ1sf4CU"
#define HASH_B                                                                 \
  "$argon2id$v=19$m=65536,t=2,p=1$SxUInrLG8UZgdz0Z1/xSUw$"                     \
  "9+N4q5PaRs0PW1OLwp1rwuMkcGOrhb5lYy6G04Y8bEI"
#define OFFICER(id, hash) "{\"id\": \"" id "\", \"pin_hash\": \"" hash "\"}"

static const char *biokiosk;
static char *tmpdir;
static char *database;
static char **envp;

static int run(char **ret_out, char **ret_err, const char *action,
               const char *file)
{
  const char *argv[] = {biokiosk, "officers", action, "--database",
                        database, file,       NULL};
  int status = testlib_spawn(argv, (const char *const *)envp, ret_out, ret_err);

  g_assert_cmpint(status, >=, 0);
  return status;
}

static char *list(void)
{
  char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint(run(&out, &err, "list", NULL), ==, 0);
  g_assert_cmpstr(err, ==, "");
  return out;
}

static char *write_file(const char *name, const char *text)
{
  char *path = g_build_filename(tmpdir, name, NULL);

  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void test_import_and_list(void)
{
  g_autofree char *path = write_file(
      "good.json",
      "{\"officers\": [" OFFICER(
          "1001", HASH_A) ", {\"id\": "
                          "\"1002\", \"pin_hash\": \"" HASH_B "\", \"role\": "
                          "\"supervisor\"}]}");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *ids = NULL;

  g_assert_cmpint(run(&out, &err, "import", path), ==, 0);
  g_assert_nonnull(strstr(out, "imported 2 officers"));
  ids = list();
  /* Ids only: no hash, no role. */
  g_assert_cmpstr(ids, ==, "1001\n1002\n");
}

typedef struct {
  const char *name;
  const char *text; /* NULL: the path given is not a regular file */
  const char *says;
} BadCase;

static const BadCase bad_cases[] = {
    {"duplicate",
     "{\"officers\": [" OFFICER("2001", HASH_A) ", " OFFICER("2001",
                                                             HASH_B) "]}",
     "officers[1]: id 2001: twice in the file"},
    {"malformed-hash",
     "{\"officers\": [" OFFICER("2001", "$argon2id$v=19$m=65536,t=2,p=1$"
                                        "DXQlII0UR8hzSUUhUK/8lA$OXbt") "]}",
     "officers[0]: pin_hash: must be a whole argon2id hash"},
    {"weak-hash",
     "{\"officers\": [" OFFICER("2001", "$argon2id$v=19$m=1024,t=1,p=1$"
                                        "DXQlII0UR8hzSUUhUK/8lA$"
                                        "OXbt1YP/9WXAito6edg/"
                                        "sVFZrDi2X5CovQGuJ1sf4CU") "]}",
     "officers[0]: pin_hash: must be an argon2id hash costing"},
    {"empty-id", "{\"officers\": [" OFFICER("", HASH_A) "]}",
     "officers[0]: id: 3 to 10 digits expected"},
    {"name-as-id", "{\"officers\": [" OFFICER("jansen", HASH_A) "]}",
     "officers[0]: id: 3 to 10 digits expected"},
    {"unknown-key",
     "{\"officers\": [{\"id\": \"2001\", \"pin_hash\": \"" HASH_A
     "\", \"name\": \"J. Jansen\"}]}",
     "officers[0]: unknown key name (expected id, pin_hash, role)"},
    {"unknown-top-key", "{\"officers\": [], \"version\": 2}",
     "unknown key version (expected officers)"},
    {"bad-role",
     "{\"officers\": [{\"id\": \"2001\", \"pin_hash\": \"" HASH_A
     "\", \"role\": \"\\u001b[31m\"}]}",
     "officers[0]: role: 1 to 32"},
    {"not-json", "{\"officers\": [", ""},
    {"deep", NULL, "nested too deep"},
    {"fifo", NULL, "not a regular file"},
};

/* The deep file: 100,000 '[' that would overflow a recursive parser. */
static char *deep_file(void)
{
  g_autofree char *text = g_strnfill(100000, '[');

  return write_file("deep.json", text);
}

static void test_bad_input(gconstpointer data)
{
  const BadCase *c = data;
  g_autofree char *path = NULL;
  g_autofree char *before = list();
  g_autofree char *after = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gsize len;

  if (c->text)
    path = write_file(c->name, c->text);
  else if (g_str_equal(c->name, "deep"))
    path = deep_file();
  else
    path = g_strdup("/dev/zero");
  g_assert_cmpint(run(&out, &err, "import", path), ==, 2);
  len = strlen(err);
  g_assert_true(g_str_has_prefix(err, "biokiosk officers: "));
  g_assert_cmpint(err[len - 1], ==, '\n');
  g_assert_null(memchr(err, '\n', len - 1));
  g_assert_nonnull(strstr(err, c->says));
  /* No hash is ever echoed. */
  g_assert_null(strstr(err, "OXbt1YP"));
  g_assert_cmpstr(out, ==, "");
  after = list();
  g_assert_cmpstr(after, ==, before);
}

int main(int argc, char **argv)
{
  int status;
  g_autofree char *xdg = NULL;

  g_test_init(&argc, &argv, NULL);
  biokiosk = g_getenv("BK_BIOKIOSK");
  if (!biokiosk || !g_file_test(biokiosk, G_FILE_TEST_IS_EXECUTABLE))
    testlib_skip_all("BK_BIOKIOSK does not name the built biokiosk");
  tmpdir = testlib_mkdtemp();
  database = g_build_filename(tmpdir, "kiosk.db", NULL);
  xdg = g_build_filename(tmpdir, "xdg", NULL);
  envp = g_get_environ();
  /* Never touch the real user's state folder. */
  envp = g_environ_setenv(envp, "XDG_STATE_HOME", xdg, TRUE);

  /* First: the bad cases then find a table of two to leave alone. */
  g_test_add_func("/cli/officers/import-and-list", test_import_and_list);
  for (gsize i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
    g_autofree char *name =
        g_strdup_printf("/cli/officers/bad/%s", bad_cases[i].name);
    g_test_add_data_func(name, &bad_cases[i], test_bad_input);
  }
  status = g_test_run();
  testlib_rmtree(tmpdir);
  g_free(tmpdir);
  g_free(database);
  g_strfreev(envp);
  return status;
}
