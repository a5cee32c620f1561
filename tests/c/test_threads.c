/* Threads as a CRM service uses the library: several threads at once, each pushing into a store, a
 * trigger engine and a journey state of its own, while all of them read objects they share (a
 * fitted model, a label map, a segment set, an event dictionary, an Arrow batch, and a store, a
 * journey state, a partial and a table that nobody changes any more) and run journey analyses over
 * one shared `eng_touchpoints` and over the Arrow batch's lent columns. That is exactly what each handle's "Thread safety" paragraph in the header
 * allows: immutable handles shared freely, readers sharing a handle nobody changes, a changing
 * call alone on its handle. Every thread's every result must equal the same work done serially.
 *
 *   test_threads [THREADS [ROUNDS]]     (defaults 4 and 2)
 *
 * The test command runs it plainly, under ThreadSanitizer (the C side instrumented) and under
 * valgrind's memcheck (helgrind cannot follow the library's atomics and locks: DESIGN.md). */
#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"

#define ROWS 4000
#define CUSTOMERS 200
#define DAY 86400
#define START 1700000000
#define RESULTS 14

static uint64_t customer[ROWS];
static int64_t time_[ROWS];
static uint8_t channel[ROWS], kind[ROWS];
static double value[ROWS];
static uint32_t event[ROWS];
static eng_touchpoints all; /* every row: shared, read by every thread */

/* Shared objects: immutable handles, and handles nobody changes once the threads start. */
static eng_clv_model *model;
static eng_label_map *labels;
static eng_segment_set *segments;
static eng_event_dictionary *dictionary;
static eng_profile_store *shared_store;
static eng_journey_state *shared_state;
static eng_partial *shared_partial;
static eng_table *shared_table;
static eng_touchpoint_batch *shared_batch;

/* The shared columns as an Arrow record batch (the C Data Interface laid out by hand, as a host's
 * Arrow library hands it over): customer uint64, time int64, channel and kind uint8 codes, value
 * float64; the batch reads the buffers in place. */
static void release_child_array(struct ArrowArray *a) { a->release = NULL; }
static void release_array(struct ArrowArray *a) {
    for (int64_t i = 0; i < a->n_children; i++)
        if (a->children[i]->release) a->children[i]->release(a->children[i]);
    a->release = NULL;
}
static void release_child_schema(struct ArrowSchema *s) { s->release = NULL; }
static void release_schema(struct ArrowSchema *s) {
    for (int64_t i = 0; i < s->n_children; i++)
        if (s->children[i]->release) s->children[i]->release(s->children[i]);
    s->release = NULL;
}
static struct ArrowSchema schema, child_schema[5], *child_schemas[5];
static struct ArrowArray array, child_array[5], *child_arrays[5];
static const void *buffers[5][2], *parent_buffers[1];

static const char RULES[] = "{\"rules\": [{\"name\": \"welcome\", \"action\": \"hello\", \"when\": {\"type\": "
                            "\"first_touch\"}}, {\"name\": \"cart\", \"action\": \"remind\", \"when\": {\"type\": "
                            "\"abandoned_cart\", \"wait\": 7200}}]}";
static const char FUNNEL[] = "{\"steps\": [{\"name\": \"visit\", \"kinds\": [\"visit\"]}, {\"name\": \"buy\", "
                             "\"kinds\": [\"purchase\"]}], \"window\": 604800, \"breakdown\": \"channel\"}";
static const char JOURNEYS[] = "{\"stages\": {}, \"loyalty\": {}, \"funnel\": {\"steps\": [{\"name\": \"visit\", "
                               "\"kinds\": [\"visit\"]}, {\"name\": \"buy\", \"kinds\": [\"purchase\"]}], "
                               "\"window\": 604800}, \"paths\": {}}";
static const char SEGMENTS[] = "{\"version\": 1, \"segments\": [{\"name\": \"buyers\", \"rule\": {\"field\": "
                               "\"revenue\", \"op\": \">\", \"value\": 0}}, {\"name\": \"rest\", \"rule\": {\"field\": "
                               "\"touches\", \"op\": \">=\", \"value\": 0}}]}";
static const char MODEL[] = "{\"model\": \"bg_nbd\", \"r\": 0.243, \"alpha\": 4.414, \"a\": 0.793, \"b\": 2.426}";
static const char *const EVENTS[] = {"home", "search", "product", "cart", "checkout"};
static const char *const CRM_LABELS[] = {"newsletter", "Web", "in-app", "sms", "store"};

static void check(eng_status s, const char *what) {
    if (s == ENG_STATUS_OK) return;
    char msg[512];
    size_t len;
    eng_last_error_message(msg, sizeof msg, &len);
    fprintf(stderr, "%s: %s: %s\n", what, eng_status_name(s), msg);
    exit(1);
}

/* A result as text: JSON kept as it is, numbers and bytes printed exactly. */
static char *owned_json(char *json) {
    char *copy = malloc(strlen(json) + 1);
    if (!copy) exit(1);
    strcpy(copy, json);
    eng_string_free(json);
    return copy;
}

static char *numbers(const double *v, size_t n) {
    char *text = malloc(n * 26 + 1), *at = text;
    if (!text) exit(1);
    *at = '\0';
    for (size_t i = 0; i < n; i++) at += sprintf(at, "%.17g,", v[i]);
    return text;
}

static char *digest(const uint8_t *bytes, size_t n) { /* FNV-1a of bytes, and their length */
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < n; i++) h = (h ^ bytes[i]) * 1099511628211u;
    char *text = malloc(48);
    if (!text) exit(1);
    snprintf(text, 48, "%zu:%016" PRIx64, n, h);
    return text;
}

/* One thread's work; the same in every thread, so that every result can be compared. */
static void work(char *out[RESULTS]) {
    const int64_t as_of = START + 60 * DAY;
    int r = 0;

    /* Its own store, pushed day by day, then read with the shared segment set. */
    eng_profile_store *store = NULL;
    check(eng_profile_store_new(NULL, 0, &store), "store");
    for (size_t from = 0, to; from < ROWS; from = to) {
        for (to = from; to < ROWS && time_[to] / DAY == time_[from] / DAY; to++) {
        }
        eng_touchpoints day = all;
        day.len = to - from, day.customer += from, day.time += from, day.channel += from, day.kind += from;
        day.value += from, day.event = NULL, day.dictionary = NULL;
        check(eng_profile_store_push(store, &day), "push");
    }
    char *json = NULL;
    check(eng_profile_store_profiles_json(store, &json, NULL), "profiles");
    out[r++] = owned_json(json);
    eng_table *members = NULL;
    const int32_t *primary = NULL;
    size_t rows = 0;
    check(eng_profile_store_segments_table(store, segments, as_of, NULL, 0, NULL, 0, &members), "segments");
    check(eng_table_codes(members, "primary", &primary, &rows), "primary");
    double *as_double = malloc(rows * sizeof *as_double);
    for (size_t i = 0; i < rows; i++) as_double[i] = primary[i];
    out[r++] = numbers(as_double, rows);
    free(as_double);
    eng_table_free(members);
    eng_profile_store_free(store);

    /* Its own trigger engine and journey state. */
    eng_triggers *triggers = NULL;
    check(eng_triggers_new(RULES, strlen(RULES), &triggers), "triggers");
    check(eng_triggers_push_json(triggers, &all, &json, NULL), "trigger push");
    out[r++] = owned_json(json);
    eng_triggers_free(triggers);
    eng_journey_state *state = NULL;
    check(eng_journey_state_new(JOURNEYS, strlen(JOURNEYS), &state), "journey state");
    check(eng_journey_state_push(state, &all, NULL, NULL, NULL, 0), "journey push");
    check(eng_journey_state_json(state, ENG_JOURNEY_LOYALTY, as_of, &json, NULL), "journey loyalty");
    out[r++] = owned_json(json);
    eng_journey_state_free(state);

    /* The shared, immutable handles. */
    double f[3] = {0, 2, 7}, rec[3] = {0, 10, 30}, t[3] = {38, 38, 38}, p[3];
    check(eng_clv_model_p_alive(model, f, rec, t, 3, p), "p_alive");
    out[r++] = numbers(p, 3);
    double codes[5];
    for (int i = 0; i < 5; i++) {
        uint8_t code = 0;
        check(eng_label_map_channel(labels, CRM_LABELS[i], strlen(CRM_LABELS[i]), &code), "label map");
        codes[i] = code;
    }
    out[r++] = numbers(codes, 5);

    /* Journey analyses over the shared touchpoints (the event dictionary shared too). */
    check(eng_funnel_json(&all, FUNNEL, strlen(FUNNEL), &json, NULL), "funnel");
    out[r++] = owned_json(json);
    static const char paths[] = "{\"by\": \"event\", \"top_paths\": 5}";
    check(eng_paths_json(&all, paths, strlen(paths), &json, NULL), "paths");
    out[r++] = owned_json(json);

    /* Readers of handles nobody changes any more. */
    uint64_t ids[CUSTOMERS];
    double total[CUSTOMERS];
    size_t n = 0;
    check(eng_profile_store_scores(shared_store, as_of, ids, total, NULL, NULL, NULL, NULL, CUSTOMERS, &n), "scores");
    out[r++] = numbers(total, n);
    uint8_t *bytes = NULL;
    size_t len = 0;
    check(eng_journey_state_to_bytes(shared_state, &bytes, &len), "state bytes");
    out[r++] = digest(bytes, len);
    eng_bytes_free(bytes, len);
    check(eng_partial_result_json(shared_partial, &json, NULL), "partial");
    out[r++] = owned_json(json);
    const double *conversion = NULL;
    check(eng_table_f64(shared_table, "step_conversion", &conversion, &rows), "table");
    out[r++] = numbers(conversion, rows);

    /* The shared Arrow batch: its lent columns into a funnel, and pushed into a store of its own. */
    eng_touchpoints lent;
    check(eng_touchpoint_batch_columns(shared_batch, &lent), "batch columns");
    check(eng_funnel_json(&lent, FUNNEL, strlen(FUNNEL), &json, NULL), "batch funnel");
    out[r++] = owned_json(json);
    check(eng_profile_store_new(NULL, 0, &store), "batch store");
    check(eng_profile_store_push_batch(store, shared_batch), "batch push");
    check(eng_profile_store_scores(store, as_of, ids, total, NULL, NULL, NULL, NULL, CUSTOMERS, &n), "batch scores");
    out[r++] = numbers(total, n);
    eng_profile_store_free(store);
}

typedef struct {
    int rounds;
    char *out[RESULTS];
    int mismatches;
    char *const *expected;
} job;

static void *run(void *arg) {
    job *j = arg;
    for (int round = 0; round < j->rounds; round++) {
        work(j->out);
        for (int i = 0; i < RESULTS; i++) {
            if (strcmp(j->out[i], j->expected[i]) != 0) j->mismatches++;
            free(j->out[i]);
        }
    }
    return NULL;
}

int main(int argc, char **argv) {
    int threads = argc > 1 ? atoi(argv[1]) : 4, rounds = argc > 2 ? atoi(argv[2]) : 2;
    if (threads < 1 || threads > 64 || rounds < 1) {
        fprintf(stderr, "usage: test_threads [THREADS [ROUNDS]]\n");
        return 2;
    }
    /* Touchpoints over 60 days in time order: visits, clicks, carts and purchases on several channels. */
    uint64_t state = 42;
    for (size_t i = 0; i < ROWS; i++) {
        state = state * 6364136223846793005u + 1442695040888963407u;
        uint64_t x = state >> 33;
        customer[i] = 1 + x % CUSTOMERS;
        time_[i] = START + (int64_t)(i * 60 * DAY / ROWS);
        channel[i] = (uint8_t)(x / CUSTOMERS % 5);
        static const uint8_t kinds[] = {ENG_KIND_VISIT, ENG_KIND_CLICK, ENG_KIND_OPEN, ENG_KIND_PURCHASE};
        kind[i] = kinds[x / 1000 % 4];
        value[i] = kind[i] == ENG_KIND_PURCHASE ? (double)(10 + x % 90) : 0.0;
    }
    const char *names[ROWS];
    for (size_t i = 0; i < ROWS; i++) names[i] = EVENTS[(customer[i] + i) % 5];
    check(eng_event_dictionary_new(NULL, 0, &dictionary), "dictionary");
    check(eng_event_dictionary_intern(dictionary, names, NULL, ROWS, event), "intern");
    all = (eng_touchpoints){.len = ROWS, .customer = customer, .time = time_, .channel = channel, .kind = kind,
                            .value = value, .event = event, .dictionary = dictionary};

    check(eng_clv_model_from_json(MODEL, strlen(MODEL), &model), "model");
    static const char aliases[] = "{\"newsletter\": \"email\", \"in-app\": \"mobile_app\"}";
    check(eng_label_map_new(aliases, strlen(aliases), NULL, 0, &labels), "label map");
    check(eng_segment_set_new(SEGMENTS, strlen(SEGMENTS), &segments), "segment set");
    check(eng_profile_store_new(NULL, 0, &shared_store), "shared store");
    check(eng_profile_store_push(shared_store, &all), "shared push");
    check(eng_journey_state_new(JOURNEYS, strlen(JOURNEYS), &shared_state), "shared state");
    check(eng_journey_state_push(shared_state, &all, NULL, NULL, NULL, 0), "shared state push");
    static const char spec[] = "{\"kind\": \"metrics\"}";
    check(eng_partial_new(spec, strlen(spec), &all, &shared_partial), "shared partial");
    check(eng_funnel_table(&all, FUNNEL, strlen(FUNNEL), &shared_table), "shared table");
    static const char *const column[5] = {"customer", "time", "channel", "kind", "value"};
    static const char *const format[5] = {"L", "l", "C", "C", "g"};
    const void *data[5] = {customer, time_, channel, kind, value};
    for (int c = 0; c < 5; c++) {
        child_schema[c] = (struct ArrowSchema){.format = format[c], .name = column[c], .release = release_child_schema};
        child_schemas[c] = &child_schema[c];
        buffers[c][0] = NULL, buffers[c][1] = data[c];
        child_array[c] = (struct ArrowArray){.length = ROWS, .n_buffers = 2, .buffers = buffers[c],
                                             .release = release_child_array};
        child_arrays[c] = &child_array[c];
    }
    schema = (struct ArrowSchema){.format = "+s", .name = "", .n_children = 5, .children = child_schemas,
                                  .release = release_schema};
    array = (struct ArrowArray){.length = ROWS, .n_buffers = 1, .n_children = 5, .buffers = parent_buffers,
                                .children = child_arrays, .release = release_array};
    check(eng_touchpoint_batch_from_arrow(&array, &schema, &shared_batch), "shared batch");
    schema.release(&schema);

    char *expected[RESULTS];
    work(expected); /* the same work, serially */
    size_t compared = 0;
    for (int i = 0; i < RESULTS; i++) compared += strlen(expected[i]);

    pthread_t tid[64];
    job jobs[64];
    for (int i = 0; i < threads; i++) {
        jobs[i] = (job){.rounds = rounds, .expected = expected};
        if (pthread_create(&tid[i], NULL, run, &jobs[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    int mismatches = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        mismatches += jobs[i].mismatches;
    }
    for (int i = 0; i < RESULTS; i++) free(expected[i]);
    eng_touchpoint_batch_free(shared_batch);
    eng_table_free(shared_table);
    eng_partial_free(shared_partial);
    eng_journey_state_free(shared_state);
    eng_profile_store_free(shared_store);
    eng_segment_set_free(segments);
    eng_label_map_free(labels);
    eng_clv_model_free(model);
    eng_event_dictionary_free(dictionary);
    eng_shutdown();
    if (mismatches) {
        fprintf(stderr, "threads: %d results differ from the serial run\n", mismatches);
        return 1;
    }
    printf("threads: %d threads x %d rounds x %d results (%zu bytes) equal to the serial run\n", threads, rounds,
           RESULTS, compared);
    return 0;
}
