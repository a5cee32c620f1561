/* The Arrow C Data Interface from C: a record batch built by hand as the specification lays it out
 * (https://arrow.apache.org/docs/format/CDataInterface.html: a struct array whose children are the
 * columns, each with its validity, offsets and data buffers) goes in as touchpoints and gives the
 * same store as the same columns pushed as pointers; the library moves the array and calls its
 * release exactly once, when the batch is freed; a stream of two batches reads as one; bad arrays
 * are refused with the column named; a table goes out as Arrow and reads back equal to its
 * accessors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"

static int failed;

static void expect(int ok, const char *what) {
    if (!ok) {
        char msg[512] = {0};
        size_t len = 0;
        eng_last_error_message(msg, sizeof msg, &len);
        fprintf(stderr, "FAILED %s (last error: %s)\n", what, msg);
        failed++;
    }
}

#define N 5
static const uint64_t customer[N] = {1, 1, 2, 3, 3};
static const int64_t time_[N] = {1700000000, 1700003600, 1700000100, 1700086400, 1700090000};
static const uint8_t channel[N] = {ENG_CHANNEL_EMAIL, ENG_CHANNEL_WEB, ENG_CHANNEL_WEB, ENG_CHANNEL_SOCIAL,
                                   ENG_CHANNEL_STORE};
static const double value[N] = {0, 25.5, 0, 0, 12};                /* row 2 is null in Arrow: no money */
static const uint8_t value_valid = 0x1B;                           /* bits 0, 1, 3, 4 set: row 2 null */
static const char *kind_labels[N] = {"open", "purchase", "visit", "click", "purchase"};
static const uint8_t kind_codes[N] = {ENG_KIND_OPEN, ENG_KIND_PURCHASE, ENG_KIND_VISIT, ENG_KIND_CLICK,
                                      ENG_KIND_PURCHASE};

/* The kind column as utf8: int32 offsets into one character buffer. */
static int32_t kind_offsets[N + 1];
static char kind_chars[64];

static int array_releases, schema_releases;

static void release_child_array(struct ArrowArray *a) { a->release = NULL; }

static void release_array(struct ArrowArray *a) {
    for (int64_t i = 0; i < a->n_children; i++)
        if (a->children[i]->release) a->children[i]->release(a->children[i]);
    a->release = NULL;
    array_releases++;
}

static void release_child_schema(struct ArrowSchema *s) { s->release = NULL; }

static void release_schema(struct ArrowSchema *s) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (s->children[i]->release) s->children[i]->release(s->children[i]);
    s->release = NULL;
    schema_releases++;
}

/* What a producer keeps alive for one batch. */
typedef struct {
    struct ArrowSchema schema, child_schema[5], *child_schemas[5];
    struct ArrowArray array, child_array[5], *child_arrays[5];
    const void *buffers[5][3];
    const void *parent_buffers[1];
} batch;

static void build(batch *b, const char *customer_format, const char *time_format, size_t from, size_t len) {
    static const char *names[5] = {"customer", "time", "channel", "kind", "value"};
    const char *formats[5] = {customer_format, time_format, "C", "u", "g"};
    memset(b, 0, sizeof *b);
    int32_t at = 0;
    for (int i = 0; i < N; i++) {
        kind_offsets[i] = at;
        memcpy(kind_chars + at, kind_labels[i], strlen(kind_labels[i]));
        at += (int32_t)strlen(kind_labels[i]);
    }
    kind_offsets[N] = at;
    const void *data[5] = {customer, time_, channel, kind_offsets, value};
    for (int c = 0; c < 5; c++) {
        b->child_schema[c] = (struct ArrowSchema){.format = formats[c], .name = names[c],
                                                  .flags = c == 4 ? ARROW_FLAG_NULLABLE : 0,
                                                  .release = release_child_schema};
        b->child_schemas[c] = &b->child_schema[c];
        b->buffers[c][0] = c == 4 ? (const void *)&value_valid : NULL;
        b->buffers[c][1] = data[c];
        b->buffers[c][2] = kind_chars;
        b->child_array[c] = (struct ArrowArray){.length = (int64_t)len, .null_count = c == 4 ? -1 : 0,
                                                .offset = (int64_t)from, .n_buffers = c == 3 ? 3 : 2,
                                                .buffers = b->buffers[c], .release = release_child_array};
        b->child_arrays[c] = &b->child_array[c];
    }
    b->schema = (struct ArrowSchema){.format = "+s", .name = "", .n_children = 5, .children = b->child_schemas,
                                     .release = release_schema};
    b->parent_buffers[0] = NULL;
    b->array = (struct ArrowArray){.length = (int64_t)len, .n_buffers = 1, .n_children = 5,
                                   .buffers = b->parent_buffers, .children = b->child_arrays,
                                   .release = release_array};
}

static char *profiles_of(struct eng_profile_store *s) {
    char *json = NULL;
    expect(eng_profile_store_profiles_json(s, &json, NULL) == ENG_STATUS_OK, "profiles_json");
    return json;
}

static void a_hand_built_batch_is_the_same_touchpoints(void) {
    static batch b;
    build(&b, "L", "tss:UTC", 0, N);
    struct eng_touchpoint_batch *tps = NULL;
    expect(eng_touchpoint_batch_from_arrow(&b.array, &b.schema, &tps) == ENG_STATUS_OK, "from_arrow");
    expect(b.array.release == NULL, "the array was moved (its release set to NULL)");
    expect(array_releases == 0, "not released while the batch shares its buffers");
    size_t len = 0;
    expect(eng_touchpoint_batch_len(tps, &len) == ENG_STATUS_OK && len == N, "five touchpoints");

    struct eng_profile_store *arrow = NULL, *pointers = NULL;
    expect(eng_profile_store_new(NULL, 0, &arrow) == ENG_STATUS_OK, "store");
    expect(eng_profile_store_new(NULL, 0, &pointers) == ENG_STATUS_OK, "store");
    expect(eng_profile_store_push_batch(arrow, tps) == ENG_STATUS_OK, "push_batch");
    const eng_touchpoints tp = {.len = N, .customer = customer, .time = time_, .channel = channel,
                                .kind = kind_codes, .value = value};
    expect(eng_profile_store_push(pointers, &tp) == ENG_STATUS_OK, "push");
    char *a = profiles_of(arrow), *p = profiles_of(pointers);
    expect(a && p && strcmp(a, p) == 0, "the batch's profiles equal the pointers' (null value read as 0)");
    eng_string_free(a);
    eng_string_free(p);

    /* Its columns, lent as the struct every other call takes: the native columns are the Arrow
     * buffers themselves, the others converted once; any call gives what the pointers give. */
    eng_touchpoints lent = {0};
    expect(eng_touchpoint_batch_columns(tps, &lent) == ENG_STATUS_OK, "batch columns");
    expect(lent.len == N && lent.customer == customer && lent.time == time_, "customer and time not copied");
    expect(lent.rating == NULL && lent.rating_scale == NULL && lent.event == NULL && lent.session == NULL,
           "columns the batch lacks are NULL");
    static const char funnel[] = "{\"steps\": [{\"name\": \"visit\", \"kinds\": [\"visit\"]},"
                                 "{\"name\": \"buy\", \"kinds\": [\"purchase\"]}], \"window\": 86400}";
    char *from_batch = NULL, *from_pointers = NULL;
    expect(eng_funnel_json(&lent, funnel, strlen(funnel), &from_batch, NULL) == ENG_STATUS_OK, "funnel of the batch");
    expect(eng_funnel_json(&tp, funnel, strlen(funnel), &from_pointers, NULL) == ENG_STATUS_OK, "funnel");
    expect(from_batch && from_pointers && strcmp(from_batch, from_pointers) == 0, "the same funnel");
    eng_string_free(from_batch);
    eng_string_free(from_pointers);
    expect(eng_touchpoint_batch_columns(NULL, &lent) == ENG_STATUS_NULL_POINTER, "NULL batch");
    expect(eng_touchpoint_batch_columns(tps, NULL) == ENG_STATUS_NULL_POINTER, "NULL output");

    /* A journey state takes the batch too. */
    static const char config[] = "{\"paths\": {\"lookback\": 86400}}";
    struct eng_journey_state *state = NULL;
    expect(eng_journey_state_new(config, strlen(config), &state) == ENG_STATUS_OK, "journey state");
    expect(eng_journey_state_push_batch(state, tps, NULL, NULL, NULL, 0) == ENG_STATUS_OK, "journey push_batch");
    int64_t latest = 0;
    expect(eng_journey_state_latest_time(state, &latest) == ENG_STATUS_OK && latest == time_[4], "latest time");
    expect(eng_journey_state_push_batch(state, tps, NULL, NULL, NULL, 0) == ENG_STATUS_INVALID_INPUT,
           "the same night again is refused");
    eng_journey_state_free(state);

    eng_touchpoint_batch_free(tps);
    expect(array_releases == 1, "released exactly once, when the batch is freed");
    b.schema.release(&b.schema); /* the schema stays the caller's */
    eng_profile_store_free(arrow);
    eng_profile_store_free(pointers);
}

/* A stream over two hand-built batches (rows 0-1, then 2-4). */
typedef struct {
    batch parts[2];
    int next;
} producer;

static int stream_schema(struct ArrowArrayStream *s, struct ArrowSchema *out) {
    producer *p = s->private_data;
    static batch schema_only;
    build(&schema_only, "L", "l", 0, 0);
    (void)p;
    *out = schema_only.schema;
    return 0;
}

static int stream_next(struct ArrowArrayStream *s, struct ArrowArray *out) {
    producer *p = s->private_data;
    if (p->next == 2) {
        memset(out, 0, sizeof *out); /* end of stream: a released array */
        return 0;
    }
    *out = p->parts[p->next].array;
    p->next++;
    return 0;
}

static const char *stream_error(struct ArrowArrayStream *s) {
    (void)s;
    return "no error";
}

static int stream_releases;

static void stream_release(struct ArrowArrayStream *s) {
    s->release = NULL;
    stream_releases++;
}

static void a_stream_of_two_batches_reads_as_one(void) {
    static producer p;
    build(&p.parts[0], "L", "l", 0, 2);
    build(&p.parts[1], "L", "l", 2, 3);
    p.next = 0;
    struct ArrowArrayStream stream = {stream_schema, stream_next, stream_error, stream_release, &p};
    int before = array_releases;
    struct eng_touchpoint_batch *tps = NULL;
    expect(eng_touchpoint_batch_from_arrow_stream(&stream, &tps) == ENG_STATUS_OK, "from_arrow_stream");
    expect(stream.release == NULL && stream_releases == 1, "the stream was moved and released");
    size_t len = 0;
    expect(eng_touchpoint_batch_len(tps, &len) == ENG_STATUS_OK && len == N, "both batches' rows");
    struct eng_profile_store *a = NULL, *b = NULL;
    expect(eng_profile_store_new(NULL, 0, &a) == ENG_STATUS_OK && eng_profile_store_new(NULL, 0, &b) == ENG_STATUS_OK,
           "stores");
    expect(eng_profile_store_push_batch(a, tps) == ENG_STATUS_OK, "push the stream's batch");
    expect(eng_profile_store_push(b, &(eng_touchpoints){.len = N, .customer = customer, .time = time_, .channel = channel, .kind = kind_codes, .value = value}) == ENG_STATUS_OK,
           "push pointers");
    char *x = profiles_of(a), *y = profiles_of(b);
    expect(x && y && strcmp(x, y) == 0, "a stream of two batches equals the pointers");
    eng_string_free(x);
    eng_string_free(y);
    eng_touchpoint_batch_free(tps);
    expect(array_releases == before + 2, "each batch of the stream released once (copied, then released)");
    eng_profile_store_free(a);
    eng_profile_store_free(b);
}

static void bad_arrays_name_the_column(void) {
    static batch b;
    struct eng_touchpoint_batch *tps = NULL;
    char msg[512];
    size_t len = 0;
    build(&b, "g", "l", 0, N); /* float64 ids: not taken */
    expect(eng_touchpoint_batch_from_arrow(&b.array, &b.schema, &tps) == ENG_STATUS_INVALID_INPUT && !tps,
           "float customer ids are refused");
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "customer") && strstr(msg, "uint64"), "the message names the column and what it takes");
    expect(b.array.release == NULL, "a refused array was still moved (and released)");
    b.schema.release(&b.schema);
    build(&b, "L", "l", 0, N);
    b.child_schema[1].name = "when"; /* no time column */
    expect(eng_touchpoint_batch_from_arrow(&b.array, &b.schema, &tps) == ENG_STATUS_INVALID_INPUT, "no time column");
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "when") && strstr(msg, "customer, time, channel, kind"), "the message lists both");
    b.schema.release(&b.schema);
    build(&b, "L", "l", 0, N);
    kind_labels[2] = "vist";
    build(&b, "L", "l", 0, N);
    expect(eng_touchpoint_batch_from_arrow(&b.array, &b.schema, &tps) == ENG_STATUS_UNKNOWN_LABEL, "an unknown kind");
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "row 2") != NULL, "the unknown label's row is named");
    kind_labels[2] = "visit";
    b.schema.release(&b.schema);
    build(&b, "L", "l", 0, N);
    expect(eng_touchpoint_batch_from_arrow(&b.child_array[0], &b.child_schema[0], &tps) == ENG_STATUS_INVALID_INPUT &&
               !tps, "a column alone (not a struct array) is refused");
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "struct") != NULL, "the message says a record batch is a struct array");
    b.array.release(&b.array);
    b.schema.release(&b.schema);
    build(&b, "L", "l", 0, N);
    expect(eng_touchpoint_batch_from_arrow(NULL, &b.schema, &tps) == ENG_STATUS_NULL_POINTER, "NULL array");
    expect(eng_touchpoint_batch_from_arrow(&b.array, NULL, &tps) == ENG_STATUS_NULL_POINTER, "NULL schema");
    expect(eng_touchpoint_batch_from_arrow_stream(NULL, &tps) == ENG_STATUS_NULL_POINTER, "NULL stream");
    expect(eng_profile_store_push_batch(NULL, NULL) == ENG_STATUS_NULL_POINTER, "NULL store");
    b.array.release(&b.array);
    b.schema.release(&b.schema);
    eng_touchpoint_batch_free(NULL);
}

static void a_table_goes_out_as_arrow(void) {
    static const char config[] = "{\"loyalty\": {}}";
    struct eng_journey_state *state = NULL;
    expect(eng_journey_state_new(config, strlen(config), &state) == ENG_STATUS_OK, "journey state");
    expect(eng_journey_state_push(
    state,
    &(eng_touchpoints){.len = N, .customer = customer, .time = time_, .channel = channel, .kind = kind_codes, .value = value},
    NULL,
    NULL,
    NULL,
    0) == ENG_STATUS_OK, "push");
    struct eng_table *accounts = NULL;
    expect(eng_journey_state_loyalty_tables(state, time_[4], &accounts, NULL) == ENG_STATUS_OK, "loyalty tables");
    struct ArrowArray out;
    struct ArrowSchema schema;
    expect(eng_table_to_arrow(accounts, &out, &schema) == ENG_STATUS_OK, "to_arrow");
    size_t rows = 0, columns = 0;
    eng_table_rows(accounts, &rows);
    eng_table_columns(accounts, &columns);
    expect(!strcmp(schema.format, "+s") && schema.n_children == (int64_t)columns && out.length == (int64_t)rows,
           "a struct array of the table's columns and rows");
    const uint64_t *balance = NULL;
    size_t n = 0;
    expect(eng_table_u64(accounts, "balance", &balance, &n) == ENG_STATUS_OK, "balance");
    eng_table_free(accounts); /* the exported array lives on its own */
    int found = 0;
    for (int64_t c = 0; c < schema.n_children; c++) {
        struct ArrowSchema *f = schema.children[c];
        struct ArrowArray *a = out.children[c];
        if (!strcmp(f->name, "balance")) {
            found = 1;
            expect(!strcmp(f->format, "L") && a->length == (int64_t)rows, "balance is uint64");
            const uint64_t *v = (const uint64_t *)a->buffers[1] + a->offset;
            expect(v[0] == 25 && v[2] == 12, "balances 25 and 12 points (purchases of 25.50 and 12)");
        }
        if (!strcmp(f->name, "tier")) {
            expect(!strcmp(f->format, "i") && f->dictionary && !strcmp(f->dictionary->format, "u"),
                   "tier is a dictionary of int32 keys into utf8 labels");
            expect(a->null_count == (int64_t)rows, "nobody holds a tier: every key null");
        }
    }
    expect(found, "a balance column");
    (void)balance;
    out.release(&out);
    schema.release(&schema);
    expect(out.release == NULL && schema.release == NULL, "both released");
    expect(eng_table_to_arrow(NULL, &out, &schema) == ENG_STATUS_NULL_POINTER, "NULL table");
    eng_journey_state_free(state);
}

int main(void) {
    a_hand_built_batch_is_the_same_touchpoints();
    a_stream_of_two_batches_reads_as_one();
    bad_arrays_name_the_column();
    a_table_goes_out_as_arrow();
    eng_shutdown();
    if (failed) {
        fprintf(stderr, "%d check(s) failed\n", failed);
        return 1;
    }
    printf("arrow: all checks passed\n");
    return 0;
}
