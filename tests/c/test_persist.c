/* Persistence through the C face: a store (and a trigger engine) saved every night, loaded the next
 * day and pushed that day's touchpoints equals one that never stopped, over random days and random
 * splits (a property test with its own seeded generator); damaged bytes are ENG_STATUS_CORRUPT and
 * build nothing; files replace the old one whole, and a missing file is ENG_STATUS_IO.
 * Usage: test_persist DIR [DIVISOR] (a writable directory for the files; DIVISOR divides the number of
 * random trials, for runs under valgrind). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"

static int failed;
static int divisor = 1; /* of the number of random trials */

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
    for (int trial = 0; trial < 40 / divisor; trial++) {
        generate(&r, 20 + next() % (MAX_ROWS - 20), 30);
        struct eng_profile_store *bulk = NULL, *nightly = NULL;
        expect(eng_profile_store_new(score_config, strlen(score_config), &bulk) == ENG_STATUS_OK, "new");
        expect(eng_profile_store_new(score_config, strlen(score_config), &nightly) == ENG_STATUS_OK, "new");
        expect(eng_profile_store_push(bulk,
                                      &(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind, .value = r.value}) == ENG_STATUS_OK, "bulk push");
        size_t start = 0;
        while (start < r.n) {
            size_t day = 1 + next() % (r.n / 3 + 1);
            if (start + day > r.n) day = r.n - start;
            nightly = reload(nightly);
            expect(eng_profile_store_push(nightly,
                                          &(eng_touchpoints){.len = day, .customer = r.customer + start, .time = r.time + start, .channel = r.channel + start, .kind = r.kind + start, .value = r.value + start}) == ENG_STATUS_OK,
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
    expect(eng_profile_store_push(s,
                                  &(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind, .value = r.value}) ==
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
    expect(eng_profile_store_push(s,
                                  &(eng_touchpoints){.len = 1, .customer = c, .time = t, .channel = ch, .kind = k, .value = v}) == ENG_STATUS_OK, "push");
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
    for (int trial = 0; trial < 20 / divisor; trial++) {
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
            expect(eng_triggers_push_json(live,
                                          &(eng_touchpoints){.len = day, .customer = r.customer + start, .time = r.time + start, .channel = r.channel + start, .kind = r.kind + start, .value = r.value + start},
                                          &a, NULL) ==
                       ENG_STATUS_OK, "live push");
            expect(eng_triggers_push_json(nightly,
                                          &(eng_touchpoints){.len = day, .customer = r.customer + start, .time = r.time + start, .channel = r.channel + start, .kind = r.kind + start, .value = r.value + start},
                                          &b, NULL) ==
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


/* Journeys followed night by night (saved and loaded between nights) answer as the batch calls do
 * over every touchpoint: the same JSON, byte for byte. */
static const char journey_config[] =
    "{\"stages\": {}, \"loyalty\": {\"expiry_days\": 20, \"tier_window_days\": 15},"
    " \"funnel\": {\"steps\": [{\"name\": \"visit\", \"kinds\": [\"visit\"]}, {\"name\": \"cart\", \"kinds\": [\"cart_add\"]},"
    "  {\"name\": \"buy\", \"kinds\": [\"purchase\"]}], \"window\": 259200, \"breakdown\": \"channel\"},"
    " \"cohorts\": {\"config\": {\"period\": \"week\", \"max_periods\": 6}, \"activity\": \"any\"},"
    " \"paths\": {\"lookback\": 172800}}";
static const char journey_loyalty[] = "{\"expiry_days\": 20, \"tier_window_days\": 15}";
static const char journey_funnel[] =
    "{\"steps\": [{\"name\": \"visit\", \"kinds\": [\"visit\"]}, {\"name\": \"cart\", \"kinds\": [\"cart_add\"]},"
    " {\"name\": \"buy\", \"kinds\": [\"purchase\"]}], \"window\": 259200, \"breakdown\": \"channel\"}";

static struct eng_journey_state *reload_journeys(struct eng_journey_state *s) {
    uint8_t *bytes = NULL;
    size_t len = 0;
    struct eng_journey_state *back = NULL;
    expect(eng_journey_state_to_bytes(s, &bytes, &len) == ENG_STATUS_OK, "journey state to_bytes");
    eng_journey_state_free(s);
    expect(eng_journey_state_from_bytes(bytes, len, &back) == ENG_STATUS_OK, "journey state from_bytes");
    eng_bytes_free(bytes, len);
    return back;
}

static char *partial_result(const char *spec, const rows *r) {
    struct eng_partial *p = NULL;
    char *json = NULL;
    eng_status st = eng_partial_new(spec, strlen(spec),
                                    &(eng_touchpoints){.len = r->n, .customer = r->customer, .time = r->time, .channel = r->channel, .kind = r->kind, .value = r->value},
                                    &p);
    expect(st == ENG_STATUS_OK, "partial new");
    if (st == ENG_STATUS_OK) expect(eng_partial_result_json(p, &json, NULL) == ENG_STATUS_OK, "partial result");
    eng_partial_free(p);
    /* A partial's result names its kind first ({"kind":"paths",…}); the state's result is the same
     * object without it. */
    const char *tag = "{\"kind\":\"";
    if (json && strncmp(json, tag, strlen(tag)) == 0) {
        char *comma = strchr(json + strlen(tag), ',');
        if (comma) memmove(json + 1, comma + 1, strlen(comma + 1) + 1);
    }
    return json;
}

static void same_json(char *followed, char *batch, const char *what) {
    if (!(followed && batch && strcmp(followed, batch) == 0)) {
        fprintf(stderr, "%s:\n followed %s\n batch    %s\n", what, followed ? followed : "(none)",
                batch ? batch : "(none)");
        expect(0, what);
    }
    eng_string_free(followed);
    eng_string_free(batch);
}


/* Two tables with the same columns, types and values (labels compared as text). */
static void same_table(struct eng_table *a, struct eng_table *b, const char *what) {
    size_t ra = 0, rb = 0, ca = 0, cb = 0;
    int ok = a && b && eng_table_rows(a, &ra) == ENG_STATUS_OK && eng_table_rows(b, &rb) == ENG_STATUS_OK &&
             eng_table_columns(a, &ca) == ENG_STATUS_OK && eng_table_columns(b, &cb) == ENG_STATUS_OK &&
             ra == rb && ca == cb;
    for (size_t c = 0; ok && c < ca; c++) {
        const char *na = NULL, *ta = NULL, *nb = NULL, *tb = NULL;
        ok = eng_table_column(a, c, &na, &ta) == ENG_STATUS_OK && eng_table_column(b, c, &nb, &tb) == ENG_STATUS_OK &&
             !strcmp(na, nb) && !strcmp(ta, tb);
        if (!ok) break;
        const void *va = NULL, *vb = NULL;
        size_t la = 0, lb = 0, width = 8;
        if (!strcmp(ta, "u64")) {
            ok = eng_table_u64(a, na, (const uint64_t **)&va, &la) == ENG_STATUS_OK &&
                 eng_table_u64(b, nb, (const uint64_t **)&vb, &lb) == ENG_STATUS_OK;
        } else if (!strcmp(ta, "i64")) {
            ok = eng_table_i64(a, na, (const int64_t **)&va, &la) == ENG_STATUS_OK &&
                 eng_table_i64(b, nb, (const int64_t **)&vb, &lb) == ENG_STATUS_OK;
        } else if (!strcmp(ta, "u8")) {
            width = 1;
            ok = eng_table_u8(a, na, (const uint8_t **)&va, &la) == ENG_STATUS_OK &&
                 eng_table_u8(b, nb, (const uint8_t **)&vb, &lb) == ENG_STATUS_OK;
        } else if (!strcmp(ta, "f64")) {
            ok = eng_table_f64(a, na, (const double **)&va, &la) == ENG_STATUS_OK &&
                 eng_table_f64(b, nb, (const double **)&vb, &lb) == ENG_STATUS_OK;
        } else {
            width = 4;
            size_t ka = 0, kb = 0;
            ok = eng_table_codes(a, na, (const int32_t **)&va, &la) == ENG_STATUS_OK &&
                 eng_table_codes(b, nb, (const int32_t **)&vb, &lb) == ENG_STATUS_OK &&
                 eng_table_label(a, na, -1, &ka, NULL) == ENG_STATUS_OK &&
                 eng_table_label(b, nb, -1, &kb, NULL) == ENG_STATUS_OK && ka == kb;
            for (size_t k = 0; ok && k < ka; k++) {
                const char *xa = NULL, *xb = NULL;
                ok = eng_table_label(a, na, (int32_t)k, &ka, &xa) == ENG_STATUS_OK &&
                     eng_table_label(b, nb, (int32_t)k, &kb, &xb) == ENG_STATUS_OK && !strcmp(xa, xb);
            }
        }
        ok = ok && la == lb && la == ra && (la == 0 || memcmp(va, vb, la * width) == 0);
    }
    expect(ok, what);
    eng_table_free(a);
    eng_table_free(b);
}

static void nightly_journeys_equal_the_batch_calls(void) {
    static rows r;
    enum { REDS = 6 };
    for (int trial = 0; trial < 30 / divisor; trial++) {
        generate(&r, 20 + next() % (MAX_ROWS - 20), 60);
        uint64_t rc[REDS], rp[REDS];
        int64_t rt[REDS];
        for (int i = 0; i < REDS; i++) { /* redemptions at touchpoint times, in time order */
            size_t at = (size_t)i * r.n / REDS + next() % (r.n / REDS);
            rc[i] = 1 + next() % 25;
            rt[i] = r.time[at];
            rp[i] = 1 + next() % 300;
        }
        struct eng_journey_state *s = NULL;
        expect(eng_journey_state_new(journey_config, strlen(journey_config), &s) == ENG_STATUS_OK,
               "journey state new");
        size_t start = 0;
        int red = 0;
        while (start < r.n) {
            size_t day = 1 + next() % (r.n / 3 + 1);
            if (start + day > r.n) day = r.n - start;
            /* A night never splits a second: each customer's times only grow from night to night. */
            while (start + day < r.n && r.time[start + day] == r.time[start + day - 1]) day++;
            int64_t last = r.time[start + day - 1];
            int reds = 0;
            while (red + reds < REDS && rt[red + reds] <= last) reds++;
            s = reload_journeys(s);
            expect(eng_journey_state_push(s,
                                          &(eng_touchpoints){.len = day, .customer = r.customer + start, .time = r.time + start, .channel = r.channel + start, .kind = r.kind + start, .value = r.value + start},
                                          rc + red, rt + red, rp + red, (size_t)reds) == ENG_STATUS_OK, "journey state push");
            red += reds;
            start += day;
        }
        s = reload_journeys(s);
        int64_t as_of = r.time[r.n - 1] + 3 * DAY, until = r.time[r.n - 1] + 400 * (int64_t)DAY;
        char *a = NULL, *b = NULL;
        expect(eng_journey_state_json(s, ENG_JOURNEY_STAGES, until, &a, NULL) == ENG_STATUS_OK, "stages");
        expect(eng_stage_history_json(&(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind, .value = r.value},
                                      until, NULL, 0, &b, NULL) == ENG_STATUS_OK, "batch stages");
        same_json(a, b, "followed stage history equals the batch one");
        a = b = NULL;
        expect(eng_journey_state_json(s, ENG_JOURNEY_LOYALTY, as_of, &a, NULL) == ENG_STATUS_OK, "loyalty");
        expect(eng_loyalty_json(&(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind, .value = r.value},
                                rc, rt, rp, REDS, as_of, journey_loyalty, strlen(journey_loyalty), &b, NULL) ==
                   ENG_STATUS_OK, "batch loyalty");
        same_json(a, b, "followed loyalty equals the batch programme");
        a = b = NULL;
        eng_status fa = eng_journey_state_json(s, ENG_JOURNEY_FUNNEL, 0, &a, NULL);
        eng_status fb = eng_funnel_json(&(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind},
                                        journey_funnel, strlen(journey_funnel), &b, NULL);
        expect(fa == fb, "funnel statuses agree");
        if (fa == ENG_STATUS_OK) same_json(a, b, "followed funnel equals the batch funnel");
        a = b = NULL;
        char spec[256];
        snprintf(spec, sizeof spec,
                 "{\"kind\": \"cohorts\", \"as_of\": %lld, \"config\": {\"period\": \"week\", \"max_periods\": 6},"
                 " \"activity\": \"any\"}", (long long)as_of);
        expect(eng_journey_state_json(s, ENG_JOURNEY_COHORTS, as_of, &a, NULL) == ENG_STATUS_OK, "cohorts");
        same_json(a, partial_result(spec, &r), "followed cohorts equal the batch table");
        a = NULL;
        expect(eng_journey_state_json(s, ENG_JOURNEY_PATHS, 0, &a, NULL) == ENG_STATUS_OK, "paths");
        same_json(a, partial_result("{\"kind\": \"paths\", \"lookback\": 172800}", &r),
                  "followed paths equal the batch paths");
        /* The tables equal the batch calls' tables. */
        struct eng_table *ta = NULL, *tb = NULL, *ha = NULL, *hb = NULL;
        expect(eng_journey_state_stage_table(s, until, &ta) == ENG_STATUS_OK, "stage table");
        expect(eng_stage_history_table(&(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind, .value = r.value},
                                       until, NULL, 0, &tb) == ENG_STATUS_OK, "batch stage table");
        same_table(ta, tb, "followed stage table equals the batch one");
        ta = tb = NULL;
        expect(eng_journey_state_loyalty_tables(s, as_of, &ta, &ha) == ENG_STATUS_OK, "loyalty tables");
        expect(eng_loyalty_tables(&(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind, .value = r.value},
                                  rc, rt, rp, REDS, as_of, journey_loyalty, strlen(journey_loyalty), &tb, &hb) == ENG_STATUS_OK,
               "batch loyalty tables");
        same_table(ta, tb, "followed accounts table equals the batch one");
        same_table(ha, hb, "followed tier history table equals the batch one");
        ta = tb = NULL;
        if (eng_journey_state_funnel_table(s, &ta) == ENG_STATUS_OK) {
            expect(eng_funnel_table(&(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind},
                                    journey_funnel, strlen(journey_funnel), &tb) == ENG_STATUS_OK, "batch funnel table");
            same_table(ta, tb, "followed funnel table equals the batch one");
        }
        ta = tb = NULL;
        static const char linear[] = "{\"rule\": \"linear\"}";
        expect(eng_journey_state_attribution_table(s, linear, strlen(linear), &ta) == ENG_STATUS_OK,
               "attribution table");
        expect(eng_attribute_touchpoints_table(&(eng_touchpoints){.len = r.n, .customer = r.customer, .time = r.time, .channel = r.channel, .kind = r.kind, .value = r.value},
                                               172800, linear, strlen(linear), &tb) == ENG_STATUS_OK, "batch attribution table");
        same_table(ta, tb, "followed attribution equals the batch one");
        int64_t latest = 0;
        expect(eng_journey_state_latest_time(s, &latest) == ENG_STATUS_OK && latest == r.time[r.n - 1],
               "latest time");
        /* A second pushed again is refused, naming the row, and changes nothing. */
        uint8_t *before = NULL, *after = NULL;
        size_t lb = 0, la = 0;
        expect(eng_journey_state_to_bytes(s, &before, &lb) == ENG_STATUS_OK, "to_bytes");
        expect(eng_journey_state_push(s,
                                      &(eng_touchpoints){.len = 1, .customer = r.customer + r.n - 1, .time = r.time + r.n - 1, .channel = r.channel + r.n - 1, .kind = r.kind + r.n - 1, .value = r.value + r.n - 1},
                                      NULL, NULL, NULL, 0) ==
                   ENG_STATUS_INVALID_INPUT, "a late touchpoint is refused");
        expect(eng_journey_state_to_bytes(s, &after, &la) == ENG_STATUS_OK, "to_bytes");
        expect(la == lb && memcmp(before, after, la) == 0, "a refused push changes nothing");
        eng_bytes_free(before, lb);
        eng_bytes_free(after, la);
        eng_journey_state_free(s);
    }
}

static void journey_state_files_and_refusals(const char *dir) {
    char path[1024], missing[1024];
    snprintf(path, sizeof path, "%s/journeys.engj", dir);
    snprintf(missing, sizeof missing, "%s/no/such/dir/journeys.engj", dir);
    struct eng_journey_state *s = NULL, *back = NULL;
    static const char config[] = "{\"cohorts\": {}, \"paths\": {}}";
    expect(eng_journey_state_new(config, strlen(config), &s) == ENG_STATUS_OK, "new");
    int64_t latest = 0;
    expect(eng_journey_state_latest_time(s, &latest) == ENG_STATUS_EMPTY_INPUT, "no latest time before a push");
    const uint64_t c[] = {7, 8};
    const int64_t t[] = {1700000000, 1700000100};
    const uint8_t ch[] = {ENG_CHANNEL_EMAIL, ENG_CHANNEL_WEB}, k[] = {ENG_KIND_OPEN, ENG_KIND_PURCHASE};
    const double v[] = {0, 12.5};
    expect(eng_journey_state_push(s,
                                  &(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k, .value = v},
                                  NULL, NULL, NULL, 0) == ENG_STATUS_OK, "push");
    expect(eng_journey_state_save(s, path) == ENG_STATUS_OK, "save");
    expect(eng_journey_state_load(path, &back) == ENG_STATUS_OK, "load");
    char *a = NULL, *b = NULL;
    expect(eng_journey_state_json(s, ENG_JOURNEY_PATHS, 0, &a, NULL) == ENG_STATUS_OK, "paths");
    expect(eng_journey_state_json(back, ENG_JOURNEY_PATHS, 0, &b, NULL) == ENG_STATUS_OK, "paths back");
    expect(a && b && !strcmp(a, b), "a loaded state answers as the saved one");
    eng_string_free(a);
    eng_string_free(b);
    eng_journey_state_free(back);
    back = NULL;
    expect(eng_journey_state_save(s, missing) == ENG_STATUS_IO, "saving into a missing directory is IO");
    expect(eng_journey_state_load(missing, &back) == ENG_STATUS_IO && back == NULL, "a missing file is IO");
    expect(eng_journey_state_load(NULL, &back) == ENG_STATUS_NULL_POINTER, "NULL path");
    /* Refusals: each names what is wrong and changes nothing. */
    a = NULL;
    expect(eng_journey_state_json(s, 9, 0, &a, NULL) == ENG_STATUS_INVALID_INPUT && a == NULL, "an unknown which");
    expect(eng_journey_state_json(s, ENG_JOURNEY_STAGES, 1700000200, &a, NULL) == ENG_STATUS_CONFIG,
           "an analysis the state does not follow");
    expect(eng_journey_state_json(s, ENG_JOURNEY_COHORTS, 1600000000, &a, NULL) == ENG_STATUS_AS_OF_BEFORE_DATA,
           "as_of before the data");
    struct eng_table *table = NULL;
    expect(eng_journey_state_loyalty_tables(s, 1700000200, &table, NULL) == ENG_STATUS_CONFIG && table == NULL,
           "no loyalty programme");
    expect(eng_journey_state_stage_table(s, 1700000200, &table) == ENG_STATUS_CONFIG, "no stages");
    expect(eng_journey_state_funnel_table(s, &table) == ENG_STATUS_CONFIG, "no funnel");
    expect(eng_journey_state_attribution_table(s, "{\"rule\": \"nope\"}", 17, &table) == ENG_STATUS_JSON,
           "a bad rule");
    const uint64_t rc[] = {7};
    const int64_t rt[] = {1700000500};
    const uint64_t rp[] = {5};
    expect(eng_journey_state_push(s, &(eng_touchpoints){.len = 0}, rc, rt, rp, 1) == ENG_STATUS_CONFIG,
           "redemptions without a loyalty programme");
    expect(eng_journey_state_push(NULL,
                                  &(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k, .value = v},
                                  NULL, NULL, NULL, 0) ==
               ENG_STATUS_NULL_POINTER, "NULL state");
    struct eng_journey_state *none = NULL;
    expect(eng_journey_state_new("{}", 2, &none) == ENG_STATUS_CONFIG && none == NULL, "a state following nothing");
    expect(eng_journey_state_new("{\"stage\": {}}", 13, &none) == ENG_STATUS_JSON, "an unknown key");
    static const char by_event[] = "{\"paths\": {\"by\": \"event\"}}";
    expect(eng_journey_state_new(by_event, strlen(by_event), &none) == ENG_STATUS_CONFIG, "paths by event");
    expect(eng_journey_state_to_bytes(NULL, NULL, NULL) == ENG_STATUS_NULL_POINTER, "NULL to_bytes");
    expect(eng_journey_state_from_bytes((const uint8_t *)"ENGJ", 4, &none) == ENG_STATUS_CORRUPT && none == NULL,
           "a short header is CORRUPT");
    eng_journey_state_free(s);
    eng_journey_state_free(NULL);
    remove(path);
}

int main(int argc, char **argv) {
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s DIR [DIVISOR]\n", argv[0]);
        return 2;
    }
    if (argc == 3) divisor = atoi(argv[2]) > 0 ? atoi(argv[2]) : 1;
    nightly_store_equals_one_bulk_build();
    damaged_bytes_build_nothing();
    files(argv[1]);
    nightly_triggers_equal_one_engine();
    nightly_journeys_equal_the_batch_calls();
    journey_state_files_and_refusals(argv[1]);
    eng_shutdown();
    if (failed) {
        fprintf(stderr, "%d check(s) failed\n", failed);
        return 1;
    }
    printf("persistence: all checks passed\n");
    return 0;
}
