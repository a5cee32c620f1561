/* A CRM's nightly batch sync through the C ABI.
 *
 * Reads the day-by-day touchpoint export data/sample/touchpoints.csv, pushes
 * each day into a profile store as one columnar batch (as a CRM would after
 * its nightly export), then reads back every customer's journey stage and
 * segment memberships (definitions in data/segments.json) and prints a summary.
 *
 *   nightly_sync data/sample/touchpoints.csv data/segments.json
 *
 * The test command builds and runs it, so it cannot rot. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"

#define DAY 86400

typedef struct {
    size_t n, cap;
    uint64_t *customer;
    int64_t *time;
    uint8_t *channel, *kind, *scale;
    double *value;
    float *rating;
} batch;

static void fail(const char *what, eng_status s) {
    char msg[512];
    size_t len;
    eng_last_error_message(msg, sizeof msg, &len);
    fprintf(stderr, "%s failed: %s: %s\n", what, eng_status_name(s), msg);
    exit(1);
}

static void grow(batch *b) {
    if (b->n < b->cap) return;
    b->cap = b->cap ? 2 * b->cap : 1024;
    b->customer = realloc(b->customer, b->cap * sizeof *b->customer);
    b->time = realloc(b->time, b->cap * sizeof *b->time);
    b->channel = realloc(b->channel, b->cap);
    b->kind = realloc(b->kind, b->cap);
    b->scale = realloc(b->scale, b->cap);
    b->value = realloc(b->value, b->cap * sizeof *b->value);
    b->rating = realloc(b->rating, b->cap * sizeof *b->rating);
    if (!b->customer || !b->time || !b->channel || !b->kind || !b->scale || !b->value || !b->rating) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
}

static void push_day(eng_profile_store *store, batch *b) {
    eng_status s = eng_profile_store_push(store, b->customer, b->time, b->channel, b->kind, b->value, b->rating,
                                          b->scale, b->n);
    if (s != ENG_STATUS_OK) fail("eng_profile_store_push", s);
    b->n = 0;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
        free(text);
        text = NULL;
    }
    if (text) text[size] = '\0';
    fclose(f);
    return text;
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: nightly_sync TOUCHPOINTS.csv SEGMENTS.json\n");
        return 2;
    }
    FILE *csv = fopen(argv[1], "r");
    if (!csv) {
        perror(argv[1]);
        return 1;
    }
    eng_profile_store *store = NULL;
    eng_status s = eng_profile_store_new(NULL, 0, &store);
    if (s != ENG_STATUS_OK) fail("eng_profile_store_new", s);

    batch b = {0};
    char line[256];
    int64_t day = -1, last = 0;
    size_t days = 0, rows = 0;
    if (!fgets(line, sizeof line, csv)) return 1; /* header */
    while (fgets(line, sizeof line, csv)) {
        /* customer,time,channel,kind,value,rating,rating_scale */
        char *fields[7] = {0};
        char *p = line;
        for (int i = 0; i < 7; i++) {
            fields[i] = p;
            p = strpbrk(p, ",\n");
            if (p) *p++ = '\0';
            else p = "";
        }
        int64_t t = strtoll(fields[1], NULL, 10);
        if (t / DAY != day && b.n > 0) {
            push_day(store, &b); /* the export is ordered by time: a new day starts */
            days++;
        }
        day = t / DAY;
        last = t;
        grow(&b);
        b.customer[b.n] = strtoull(fields[0], NULL, 10);
        b.time[b.n] = t;
        if ((s = eng_channel_code(fields[2], strlen(fields[2]), &b.channel[b.n])) != ENG_STATUS_OK) fail("channel", s);
        if ((s = eng_kind_code(fields[3], strlen(fields[3]), &b.kind[b.n])) != ENG_STATUS_OK) fail("kind", s);
        b.value[b.n] = strtod(fields[4], NULL);
        b.rating[b.n] = fields[5][0] ? strtof(fields[5], NULL) : NAN;
        b.scale[b.n] = strcmp(fields[6], "csat") == 0 ? ENG_SCALE_CSAT
                       : strcmp(fields[6], "ces") == 0 ? ENG_SCALE_CES
                                                        : ENG_SCALE_NPS;
        b.n++;
        rows++;
    }
    if (b.n > 0) {
        push_day(store, &b);
        days++;
    }
    fclose(csv);

    size_t customers = 0;
    if ((s = eng_profile_store_len(store, &customers)) != ENG_STATUS_OK) fail("eng_profile_store_len", s);
    printf("engagement %s: %zu touchpoints pushed in %zu daily batches, %zu customers\n", eng_version(), rows, days,
           customers);

    /* Stages the next morning. */
    int64_t as_of = (last / DAY + 1) * DAY;
    uint64_t *ids = malloc(customers * sizeof *ids);
    uint8_t *stages = malloc(customers);
    size_t n = 0;
    s = eng_profile_store_stages(store, as_of, NULL, 0, ids, stages, customers, &n);
    if (s != ENG_STATUS_OK) fail("eng_profile_store_stages", s);
    size_t per_stage[8] = {0};
    for (size_t i = 0; i < n; i++) per_stage[stages[i]]++;
    printf("customers per stage:\n");
    for (uint8_t st = 0; st < 8; st++) printf("  %-14s %6zu\n", eng_stage_label(st), per_stage[st]);

    /* Segment memberships. */
    char *definition = read_file(argv[2]);
    if (!definition) {
        perror(argv[2]);
        return 1;
    }
    eng_segment_set *set = NULL;
    if ((s = eng_segment_set_new(definition, strlen(definition), &set)) != ENG_STATUS_OK) fail("eng_segment_set_new", s);
    free(definition);
    size_t k = 0;
    eng_segment_set_len(set, &k);
    uint8_t *member = malloc(customers * k);
    int32_t *primary = malloc(customers * sizeof *primary);
    s = eng_profile_store_segments(store, set, as_of, NULL, 0, NULL, 0, ids, member, primary, customers, &n);
    if (s != ENG_STATUS_OK) fail("eng_profile_store_segments", s);
    char *names = NULL;
    eng_segment_set_names_json(set, &names, NULL);
    printf("segment sizes (segments %s):\n", names);
    for (size_t seg = 0; seg < k; seg++) {
        size_t size = 0;
        for (size_t i = 0; i < n; i++) size += member[i * k + seg];
        printf("  segment %zu: %zu customers\n", seg, size);
    }
    eng_string_free(names);
    eng_segment_set_free(set);
    free(member);
    free(primary);
    free(ids);
    free(stages);
    free(b.customer), free(b.time), free(b.channel), free(b.kind), free(b.scale), free(b.value), free(b.rating);
    eng_profile_store_free(store);
    eng_shutdown(); /* stop the library's worker threads: nothing is left running at exit */
    return 0;
}
