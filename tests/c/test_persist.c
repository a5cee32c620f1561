/* Persistence through the C face: a store (and a trigger engine) saved every night, loaded the next
 * day and pushed that day's touchpoints equals one that never stopped, over random days and random
 * splits (a property test with its own seeded generator); damaged bytes are ENG_STATUS_CORRUPT and
 * build nothing; files replace the old one whole, and a missing file is ENG_STATUS_IO.
 * Usage: test_persist DIR (a writable directory for the files). */
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

static uint64_t state = 0x853c49e6748fea9bULL;

static uint32_t next(void) { /* PCG32 (O'Neill 2014), seeded above */
    uint64_t old = state;
    state = old * 6364136223846793005ULL + 1442695040888963407ULL;
    uint32_t x = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t r = (uint32_t)(old >> 59u);
    return (x >> r) | (x << ((-r) & 31));
}

#define MAX_ROWS 400
#define DAY 86400

typedef struct {
    uint64_t customer[MAX_ROWS];
    int64_t time[MAX_ROWS];
    uint8_t channel[MAX_ROWS], kind[MAX_ROWS];
    double value[MAX_ROWS];
    size_t n;
} rows;

/* Touchpoints in time order over `days` days. */
static void generate(rows *r, size_t n, int days) {
    static const uint8_t kinds[] = {ENG_KIND_VISIT, ENG_KIND_CLICK, ENG_KIND_CART_ADD,
                                    ENG_KIND_PURCHASE, ENG_KIND_OPEN, ENG_KIND_REFERRAL};
    int64_t t = 1700000000;
    r->n = n;
    for (size_t i = 0; i < n; i++) {
        t += (int64_t)(next() % (uint32_t)(days * DAY / (int)n + 1));
        r->customer[i] = 1 + next() % 25;
        r->time[i] = t;
        r->channel[i] = (uint8_t)(next() % 11);
        r->kind[i] = kinds[next() % 6];
        r->value[i] = r->kind[i] == ENG_KIND_PURCHASE ? (double)(next() % 50000) / 100.0 : 0.0;
    }
}

static char *profiles(const struct eng_profile_store *s) {
    char *json = NULL;
    expect(eng_profile_store_profiles_json(s, &json, NULL) == ENG_STATUS_OK, "profiles_json");
    return json;
}

static struct eng_profile_store *reload(struct eng_profile_store *s) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    struct eng_profile_store *back = NULL;
    expect(eng_profile_store_to_bytes(s, &bytes, &len) == ENG_STATUS_OK, "store to_bytes");
    eng_profile_store_free(s);
    expect(eng_profile_store_from_bytes(bytes, len, &back) == ENG_STATUS_OK, "store from_bytes");
    eng_bytes_free(bytes, len);
    return back;
}

static const char score_config[] = "{\"signals\": {\"half_life_days\": 10}, \"mix\": {\"emotional\": 2, "
                                   "\"contextual\": 1, \"convenient\": 1, \"social\": 0}}";

static void nightly_store_equals_one_bulk_build(void) {
    static rows r;
    for (int trial = 0; trial < 40; trial++) {
        generate(&r, 20 + next() % (MAX_ROWS - 20), 30);
        struct eng_profile_store *bulk = NULL, *nightly = NULL;
        expect(eng_profile_store_new(score_config, strlen(score_config), &bulk) == ENG_STATUS_OK, "new");
        expect(eng_profile_store_new(score_config, strlen(score_config), &nightly) == ENG_STATUS_OK, "new");
        expect(eng_profile_store_push(bulk, r.customer, r.time, r.channel, r.kind, r.value, NULL, NULL,
                                      r.n) == ENG_STATUS_OK, "bulk push");
        size_t start = 0;
        while (start < r.n) {
            size_t day = 1 + next() % (r.n / 3 + 1);
            if (start + day > r.n) day = r.n - start;
            nightly = reload(nightly);
            expect(eng_profile_store_push(nightly, r.customer + start, r.time + start, r.channel + start,
                                          r.kind + start, r.value + start, NULL, NULL, day) == ENG_STATUS_OK,
                   "day push");
            start += day;
        }
        nightly = reload(nightly);
        char *a = profiles(bulk), *b = profiles(nightly);
        expect(a && b && strcmp(a, b) == 0, "nightly profiles equal the bulk build's");
        eng_string_free(a);
        eng_string_free(b);
        /* The scores read with the saved score configuration agree too. */
        double sa[32], sb[32];
        uint64_t ca[32], cb[32];
        size_t na = 0, nb = 0;
        int64_t as_of = r.time[r.n - 1];
        expect(eng_profile_store_scores(bulk, as_of, ca, sa, NULL, NULL, NULL, NULL, 32, &na) == ENG_STATUS_OK,
               "scores");
        expect(eng_profile_store_scores(nightly, as_of, cb, sb, NULL, NULL, NULL, NULL, 32, &nb) == ENG_STATUS_OK,
               "scores");
        expect(na == nb && memcmp(ca, cb, na * sizeof ca[0]) == 0 && memcmp(sa, sb, na * sizeof sa[0]) == 0,
               "scores equal");
        /* The saved bytes themselves are equal: the form is canonical. */
        uint8_t *ba = NULL, *bb = NULL;
        size_t la = 0, lb = 0;
        expect(eng_profile_store_to_bytes(bulk, &ba, &la) == ENG_STATUS_OK, "to_bytes");
        expect(eng_profile_store_to_bytes(nightly, &bb, &lb) == ENG_STATUS_OK, "to_bytes");
        expect(la == lb && memcmp(ba, bb, la) == 0, "saved bytes equal");
        eng_bytes_free(ba, la);
        eng_bytes_free(bb, lb);
        eng_profile_store_free(bulk);
        eng_profile_store_free(nightly);
    }
}

static void damaged_bytes_build_nothing(void) {
    static rows r;
    generate(&r, 30, 5);
    struct eng_profile_store *s = NULL, *back = NULL;
    expect(eng_profile_store_new(NULL, 0, &s) == ENG_STATUS_OK, "new");
    expect(eng_profile_store_push(s, r.customer, r.time, r.channel, r.kind, r.value, NULL, NULL, r.n) ==
               ENG_STATUS_OK, "push");
    uint8_t *bytes = NULL;
    size_t len = 0;
    expect(eng_profile_store_to_bytes(s, &bytes, &len) == ENG_STATUS_OK, "to_bytes");
    for (size_t n = 0; n < len; n++) {
        back = NULL;
        if (eng_profile_store_from_bytes(bytes, n, &back) != ENG_STATUS_CORRUPT || back != NULL) {
            expect(0, "a truncated store is CORRUPT and builds nothing");
            break;
        }
    }
    for (size_t bit = 0; bit < len * 8; bit += 7) {
        bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        back = NULL;
        eng_status st = eng_profile_store_from_bytes(bytes, len, &back);
        bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        if (st != ENG_STATUS_CORRUPT || back != NULL) {
            expect(0, "an altered store is CORRUPT and builds nothing");
            break;
        }
    }
    expect(eng_profile_store_from_bytes(bytes, len, &back) == ENG_STATUS_OK, "intact bytes load");
    eng_profile_store_free(back);
    expect(eng_profile_store_to_bytes(NULL, &bytes, &len) == ENG_STATUS_NULL_POINTER, "NULL store");
    expect(eng_profile_store_to_bytes(s, NULL, &len) == ENG_STATUS_NULL_POINTER, "NULL out_bytes");
    expect(eng_profile_store_from_bytes(NULL, 3, &back) == ENG_STATUS_NULL_POINTER, "NULL bytes");
    eng_bytes_free(bytes, len);
    eng_bytes_free(NULL, 0);
    eng_profile_store_free(s);
}

static void files(const char *dir) {
    char path[1024], missing[1024];
    snprintf(path, sizeof path, "%s/store.engs", dir);
    snprintf(missing, sizeof missing, "%s/no/such/dir/store.engs", dir);
    struct eng_profile_store *s = NULL, *back = NULL;
    expect(eng_profile_store_new(score_config, strlen(score_config), &s) == ENG_STATUS_OK, "new");
    const uint64_t c[] = {7};
    const int64_t t[] = {1700000000};
    const uint8_t ch[] = {ENG_CHANNEL_WEB}, k[] = {ENG_KIND_PURCHASE};
    const double v[] = {12.5};
    expect(eng_profile_store_push(s, c, t, ch, k, v, NULL, NULL, 1) == ENG_STATUS_OK, "push");
    expect(eng_profile_store_save(s, path) == ENG_STATUS_OK, "save");
    expect(eng_profile_store_load(path, &back) == ENG_STATUS_OK, "load");
    size_t n = 0;
    expect(eng_profile_store_len(back, &n) == ENG_STATUS_OK && n == 1, "one customer back");
    eng_profile_store_free(back);
    back = NULL;
    expect(eng_profile_store_save(s, missing) == ENG_STATUS_IO, "saving into a missing directory is IO");
    expect(eng_profile_store_load(missing, &back) == ENG_STATUS_IO && back == NULL, "a missing file is IO");
    char msg[512] = {0};
    size_t len = 0;
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "no/such/dir") != NULL, "the IO message names the file");
    expect(eng_profile_store_save(s, NULL) == ENG_STATUS_NULL_POINTER, "NULL path");
    eng_profile_store_free(s);
    remove(path);
}

static const char rules[] =
    "{\"rules\": ["
    "{\"name\": \"welcome\", \"action\": \"w\", \"when\": {\"type\": \"first_touch\"}, \"delay\": 3600},"
    "{\"name\": \"cart\", \"action\": \"c\", \"when\": {\"type\": \"abandoned_cart\", \"wait\": 7200}},"
    "{\"name\": \"second\", \"action\": \"s\", \"when\": {\"type\": \"nth_purchase\", \"n\": 2}},"
    "{\"name\": \"win_back\", \"action\": \"b\", \"when\": {\"type\": \"at_risk\"}}],"
    "\"cap\": {\"max\": 2, \"window\": 86400}}";

static void nightly_triggers_equal_one_engine(void) {
    static rows r;
    for (int trial = 0; trial < 20; trial++) {
        generate(&r, 20 + next() % (MAX_ROWS - 20), 60);
        struct eng_triggers *live = NULL, *nightly = NULL;
        expect(eng_triggers_new(rules, strlen(rules), &live) == ENG_STATUS_OK, "triggers new");
        expect(eng_triggers_new(rules, strlen(rules), &nightly) == ENG_STATUS_OK, "triggers new");
        size_t start = 0;
        while (start < r.n) {
            size_t day = 1 + next() % (r.n / 3 + 1);
            if (start + day > r.n) day = r.n - start;
            uint8_t *bytes = NULL;
            size_t len = 0;
            expect(eng_triggers_to_bytes(nightly, &bytes, &len) == ENG_STATUS_OK, "triggers to_bytes");
            eng_triggers_free(nightly);
            nightly = NULL;
            expect(eng_triggers_from_bytes(bytes, len, &nightly) == ENG_STATUS_OK, "triggers from_bytes");
            eng_bytes_free(bytes, len);
            char *a = NULL, *b = NULL;
            expect(eng_triggers_push_json(live, r.customer + start, r.time + start, r.channel + start,
                                          r.kind + start, r.value + start, NULL, NULL, day, &a, NULL) ==
                       ENG_STATUS_OK, "live push");
            expect(eng_triggers_push_json(nightly, r.customer + start, r.time + start, r.channel + start,
                                          r.kind + start, r.value + start, NULL, NULL, day, &b, NULL) ==
                       ENG_STATUS_OK, "nightly push");
            expect(a && b && strcmp(a, b) == 0, "the same actions each day");
            eng_string_free(a);
            eng_string_free(b);
            start += day;
        }
        char *a = NULL, *b = NULL;
        int64_t until = r.time[r.n - 1] + 400 * (int64_t)DAY;
        expect(eng_triggers_advance_json(live, until, &a, NULL) == ENG_STATUS_OK, "advance");
        expect(eng_triggers_advance_json(nightly, until, &b, NULL) == ENG_STATUS_OK, "advance");
        expect(a && b && strcmp(a, b) == 0, "the same actions at the end");
        eng_string_free(a);
        eng_string_free(b);
        eng_triggers_free(live);
        eng_triggers_free(nightly);
    }
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    nightly_store_equals_one_bulk_build();
    damaged_bytes_build_nothing();
    files(argv[1]);
    nightly_triggers_equal_one_engine();
    eng_shutdown();
    if (failed) {
        fprintf(stderr, "%d check(s) failed\n", failed);
        return 1;
    }
    printf("persistence: all checks passed\n");
    return 0;
}
