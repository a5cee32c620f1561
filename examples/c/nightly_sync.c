/* A CRM's nightly sync through the C ABI, one night after another.
 *
 * Each night loads yesterday's state (the profile store, the trigger engine and the journey state,
 * saved in STATE_DIR), pushes that day's touchpoints from the export data/sample/touchpoints.csv as
 * one `eng_touchpoints` (the struct every call that reads touchpoints takes), and saves the state
 * again: nothing replays the history. After the last night it reads every customer's journey stage,
 * segment membership (definitions in SEGMENTS.json), loyalty account and next best action, NPS and
 * CSAT, the funnel and the attribution of purchases to channels, all through tables or structs,
 * each handed as it is to the next call; fits a BG/NBD and a Gamma-Gamma model on the purchase
 * history for a year's discounted customer value; shows what a bad row gets; and prints a summary.
 * No JSON is parsed here.
 *
 *   nightly_sync data/sample/touchpoints.csv data/segments.json STATE_DIR
 *
 * The test command builds it (from the source tree and, installed, with pkg-config alone) and runs
 * it under valgrind and AddressSanitizer, so it cannot rot. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"

#define DAY 86400

/* The trigger rules the CRM runs every night. */
static const char RULES[] = "{\"rules\": ["
                            "{\"name\": \"welcome\", \"action\": \"welcome_email\", \"when\": {\"type\": \"first_touch\"}},"
                            "{\"name\": \"cart\", \"action\": \"cart_reminder\", \"when\": {\"type\": \"abandoned_cart\", \"wait\": 7200}},"
                            "{\"name\": \"win_back\", \"action\": \"win_back_offer\", \"when\": {\"type\": \"at_risk\"}}],"
                            "\"cap\": {\"max\": 2, \"window\": 604800}, \"quiet_hours\": {\"from\": 22, \"to\": 8}}";

/* What the journey state follows night by night: the loyalty programme, a funnel, attribution paths. */
static const char JOURNEYS[] = "{\"loyalty\": {},"
                               "\"funnel\": {\"steps\": [{\"name\": \"visit\", \"kinds\": [\"visit\"]},"
                               "{\"name\": \"click\", \"kinds\": [\"click\"]}, {\"name\": \"buy\", \"kinds\": [\"purchase\"]}],"
                               "\"window\": 604800}, \"paths\": {\"lookback\": 1209600}}";

typedef struct {
    size_t n, cap;
    uint64_t *customer;
    int64_t *time;
    uint8_t *channel, *kind, *scale;
    double *value;
    float *rating;
} batch;

static void check(eng_status s, const char *what) {
    if (s == ENG_STATUS_OK) return;
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

/* Reads the export (customer,time,channel,kind,value,rating,rating_scale; ordered by time). */
static batch read_export(const char *path) {
    FILE *csv = fopen(path, "r");
    if (!csv) {
        perror(path);
        exit(1);
    }
    batch b = {0};
    char line[256];
    if (!fgets(line, sizeof line, csv)) exit(1); /* header */
    while (fgets(line, sizeof line, csv)) {
        char *fields[7] = {0};
        char *p = line;
        for (int i = 0; i < 7; i++) {
            fields[i] = p;
            p = strpbrk(p, ",\n");
            if (p) *p++ = '\0';
            else p = "";
        }
        grow(&b);
        b.customer[b.n] = strtoull(fields[0], NULL, 10);
        b.time[b.n] = strtoll(fields[1], NULL, 10);
        check(eng_channel_code(fields[2], strlen(fields[2]), &b.channel[b.n]), "channel label");
        check(eng_kind_code(fields[3], strlen(fields[3]), &b.kind[b.n]), "kind label");
        b.value[b.n] = strtod(fields[4], NULL);
        b.rating[b.n] = fields[5][0] ? strtof(fields[5], NULL) : NAN;
        b.scale[b.n] = ENG_SCALE_MISSING; /* rows without a rating have no scale */
        if (fields[6][0]) check(eng_rating_scale_code(fields[6], strlen(fields[6]), &b.scale[b.n]), "scale label");
        b.n++;
    }
    fclose(csv);
    return b;
}

/* Rows [from, to) of the export as the one struct every call reading touchpoints takes. */
static eng_touchpoints rows(const batch *b, size_t from, size_t to) {
    return (eng_touchpoints){.len = to - from, .customer = b->customer + from, .time = b->time + from,
                             .channel = b->channel + from, .kind = b->kind + from, .value = b->value + from,
                             .rating = b->rating + from, .rating_scale = b->scale + from};
}

static int exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

/* One night: load yesterday's state (none on the first night), push the day, save. Any failure to
 * load existing state stops the job rather than starting afresh. */
static void night(const char *store_path, const char *triggers_path, const char *journeys_path,
                  const eng_touchpoints *day) {
    eng_profile_store *store = NULL;
    check(exists(store_path) ? eng_profile_store_load(store_path, &store) : eng_profile_store_new(NULL, 0, &store),
          "load the store");
    check(eng_profile_store_push(store, day), "push the day");
    check(eng_profile_store_save(store, store_path), "save the store");
    eng_profile_store_free(store);

    eng_triggers *triggers = NULL;
    check(exists(triggers_path) ? eng_triggers_load(triggers_path, &triggers)
                                : eng_triggers_new(RULES, strlen(RULES), &triggers),
          "load the trigger engine");
    char *due = NULL; /* the actions now due: a CRM queues them for sending */
    check(eng_triggers_push_json(triggers, day, &due, NULL), "feed the triggers");
    eng_string_free(due);
    check(eng_triggers_save(triggers, triggers_path), "save the trigger engine");
    eng_triggers_free(triggers);

    eng_journey_state *journeys = NULL; /* no redemptions in this export: NULL columns of length 0 */
    check(exists(journeys_path) ? eng_journey_state_load(journeys_path, &journeys)
                                : eng_journey_state_new(JOURNEYS, strlen(JOURNEYS), &journeys),
          "load the journey state");
    check(eng_journey_state_push(journeys, day, NULL, NULL, NULL, 0), "push the day's journeys");
    check(eng_journey_state_save(journeys, journeys_path), "save the journey state");
    eng_journey_state_free(journeys);
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

/* Prints how many rows of label column `column` of `t` hold each label (and none). */
static void tally(const eng_table *t, const char *column, const char *title) {
    const int32_t *codes = NULL;
    size_t rows = 0, labels = 0;
    const char *label = NULL;
    check(eng_table_codes(t, column, &codes, &rows), "read a label column");
    check(eng_table_label(t, column, -1, &labels, NULL), "count its labels");
    printf("%s:\n", title);
    for (int32_t code = -1; code < (int32_t)labels; code++) {
        size_t count = 0;
        for (size_t i = 0; i < rows; i++) count += codes[i] == code;
        check(eng_table_label(t, column, code, &labels, &label), "read a label");
        printf("  %-26s %6zu\n", label ? label : "(none)", count);
    }
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: nightly_sync TOUCHPOINTS.csv SEGMENTS.json STATE_DIR\n");
        return 2;
    }
    if (eng_abi_version() != ENG_ABI_VERSION) {
        fprintf(stderr, "built for ABI %d, running with %u\n", ENG_ABI_VERSION, eng_abi_version());
        return 1;
    }
    char store_path[1024], triggers_path[1024], journeys_path[1024];
    snprintf(store_path, sizeof store_path, "%s/store.engs", argv[3]);
    snprintf(triggers_path, sizeof triggers_path, "%s/triggers.engt", argv[3]);
    snprintf(journeys_path, sizeof journeys_path, "%s/journeys.engj", argv[3]);
    remove(store_path); /* this demo replays the whole export from its first night */
    remove(triggers_path);
    remove(journeys_path);

    batch b = read_export(argv[1]);
    size_t nights = 0;
    for (size_t from = 0, to; from < b.n; from = to, nights++) {
        for (to = from + 1; to < b.n && b.time[to] / DAY == b.time[from] / DAY; to++) {
        }
        eng_touchpoints day = rows(&b, from, to);
        night(store_path, triggers_path, journeys_path, &day);
    }

    /* The morning after the last night: the store knows its latest touchpoint. */
    eng_profile_store *store = NULL;
    check(eng_profile_store_load(store_path, &store), "load the store");
    int64_t latest = 0;
    check(eng_profile_store_latest_time(store, &latest), "latest touchpoint");
    int64_t as_of = (latest / DAY + 1) * DAY;
    size_t customers = 0;
    check(eng_profile_store_len(store, &customers), "count customers");
    printf("engagement %s: %zu touchpoints pushed over %zu nights, %zu customers\n", eng_version(), b.n, nights,
           customers);
    eng_triggers *triggers = NULL;
    uint64_t pending = 0, suppressed = 0;
    check(eng_triggers_load(triggers_path, &triggers), "load the trigger engine");
    check(eng_triggers_counts(triggers, NULL, &pending, &suppressed), "trigger counts");
    printf("trigger actions pending %llu, suppressed by the cap %llu\n", (unsigned long long)pending,
           (unsigned long long)suppressed);
    eng_triggers_free(triggers);

    uint64_t *ids = malloc(customers * sizeof *ids);
    uint8_t *stages = malloc(customers);
    size_t n = 0;
    check(eng_profile_store_stages(store, as_of, NULL, 0, ids, stages, customers, &n), "stages");
    size_t per_stage[8] = {0};
    for (size_t i = 0; i < n; i++) per_stage[stages[i]]++;
    printf("customers per stage:\n");
    for (uint8_t st = 0; st < 8; st++) printf("  %-26s %6zu\n", eng_stage_label(st), per_stage[st]);

    char *definition = read_file(argv[2]);
    if (!definition) {
        perror(argv[2]);
        return 1;
    }
    eng_segment_set *set = NULL;
    check(eng_segment_set_new(definition, strlen(definition), &set), "segment definitions");
    free(definition);
    eng_table *segments = NULL, *accounts = NULL, *actions = NULL;
    check(eng_profile_store_segments_table(store, set, as_of, NULL, 0, NULL, 0, &segments), "segments");
    tally(segments, "primary", "customers per first segment");

    /* Loyalty, the funnel and attribution come from the journey state: the export is not read again. */
    eng_journey_state *journeys = NULL;
    check(eng_journey_state_load(journeys_path, &journeys), "load the journey state");
    check(eng_journey_state_loyalty_tables(journeys, as_of, &accounts, NULL), "loyalty");
    const uint64_t *balance = NULL;
    size_t rows = 0;
    uint64_t points = 0;
    check(eng_table_u64(accounts, "balance", &balance, &rows), "balances");
    for (size_t i = 0; i < rows; i++) points += balance[i];
    printf("loyalty points outstanding: %llu over %zu accounts\n", (unsigned long long)points, rows);
    tally(accounts, "tier", "accounts per tier");

    check(eng_next_best_actions_table(ids, stages, n, NULL, 0, segments, accounts, &actions), "next best actions");
    tally(actions, "action", "next best actions");

    eng_table *funnel = NULL, *credits = NULL;
    const int32_t *step = NULL, *channel = NULL;
    const uint64_t *reached = NULL;
    const double *conversions = NULL, *value = NULL;
    const char *label = NULL;
    size_t labels = 0;
    check(eng_journey_state_funnel_table(journeys, &funnel), "funnel");
    check(eng_table_codes(funnel, "step", &step, &rows), "funnel steps");
    check(eng_table_u64(funnel, "customers", &reached, &rows), "funnel customers");
    printf("funnel (7 days):\n");
    for (size_t i = 0; i < rows; i++) {
        check(eng_table_label(funnel, "step", step[i], &labels, &label), "step name");
        printf("  %-26s %6llu\n", label, (unsigned long long)reached[i]);
    }
    static const char linear[] = "{\"rule\": \"linear\"}";
    check(eng_journey_state_attribution_table(journeys, linear, strlen(linear), &credits), "attribution");
    check(eng_table_codes(credits, "channel", &channel, &rows), "channels");
    check(eng_table_f64(credits, "conversions", &conversions, &rows), "conversions");
    check(eng_table_f64(credits, "value", &value, &rows), "value");
    printf("purchases credited to channels (linear, 14-day lookback):\n");
    for (size_t i = 0; i < rows; i++) {
        check(eng_table_label(credits, "channel", channel[i], &labels, &label), "channel name");
        printf("  %-26s %9.2f %12.2f\n", label, conversions[i], value[i]);
    }
    eng_table_free(credits);
    eng_table_free(funnel);
    eng_journey_state_free(journeys);

    /* Survey answers, from the store: each customer's latest NPS and CSAT answer. */
    eng_nps_summary nps;
    eng_proportion csat;
    check(eng_profile_store_nps(store, 0.95, &nps), "NPS");
    check(eng_profile_store_csat(store, 0.95, &csat), "CSAT");
    printf("NPS %.1f (95%% CI %.1f to %.1f, %llu answers), CSAT %.1f%% (%.1f%% to %.1f%%)\n", nps.score,
           nps.ci_low, nps.ci_high, (unsigned long long)nps.n, 100 * csat.rate, 100 * csat.ci_low, 100 * csat.ci_high);

    /* Customer value a year ahead (discounted 1% a month): BG/NBD for purchases, Gamma-Gamma for their
     * value, fitted on the purchase history in weeks (a model records its unit, so the default
     * 12-month horizon converts). A CRM keeps this history as its transactions table. */
    size_t bought = 0, k = 0, repeat = 0;
    for (size_t i = 0; i < b.n; i++) bought += b.kind[i] == ENG_KIND_PURCHASE;
    uint64_t *pc = malloc(bought * sizeof *pc);
    int64_t *pt = malloc(bought * sizeof *pt);
    double *pv = malloc(bought * sizeof *pv);
    for (size_t i = 0, j = 0; i < b.n; i++)
        if (b.kind[i] == ENG_KIND_PURCHASE) pc[j] = b.customer[i], pt[j] = b.time[i], pv[j++] = b.value[i];
    static const char weeks[] = "{\"unit\": \"week\"}";
    eng_status s = eng_transaction_summary(pc, pt, pv, bought, as_of, weeks, strlen(weeks), NULL, NULL, NULL, NULL,
                                           NULL, 0, &k); /* asks the number of buyers */
    if (s != ENG_STATUS_BUFFER_TOO_SMALL) check(s, "purchase summary");
    double *f = malloc(5 * k * sizeof *f), *r = f + k, *t = f + 2 * k, *m = f + 3 * k, *clv = f + 4 * k;
    double *repeat_f = malloc(2 * k * sizeof *repeat_f), *repeat_m = repeat_f + k;
    check(eng_transaction_summary(pc, pt, pv, bought, as_of, weeks, strlen(weeks), NULL, f, r, t, m, k, &k),
          "purchase summary");
    for (size_t i = 0; i < k; i++)
        if (f[i] > 0) repeat_f[repeat] = f[i], repeat_m[repeat++] = m[i]; /* Gamma-Gamma: repeat buyers */
    eng_clv_model *bg = NULL, *gg = NULL;
    check(eng_clv_model_fit("bg_nbd", 6, f, r, t, NULL, NULL, k, weeks, strlen(weeks), &bg), "BG/NBD fit");
    check(eng_clv_model_fit("gamma_gamma", 11, repeat_f, NULL, NULL, repeat_m, NULL, repeat, NULL, 0, &gg),
          "Gamma-Gamma fit");
    check(eng_clv_model_expected_spend(gg, f, m, k, m), "expected spend"); /* m: now the spend per purchase */
    check(eng_clv_model_discounted_value(bg, f, r, t, m, k, NULL, 0, clv), "customer value");
    double total = 0;
    for (size_t i = 0; i < k; i++) total += clv[i];
    printf("customer value over the next 12 months: %.2f in all, %.2f per buyer (%zu buyers)\n", total,
           total / (double)k, k);
    eng_clv_model_free(bg);
    eng_clv_model_free(gg);
    free(f), free(repeat_f), free(pc), free(pt), free(pv);

    /* A bad row is refused, its column and row named, and nothing of its batch is applied. */
    const uint8_t no_such_kind = 200;
    const eng_touchpoints bad = {.len = 1, .customer = b.customer, .time = &latest, .channel = b.channel,
                                 .kind = &no_such_kind};
    char message[256];
    size_t message_len = 0;
    s = eng_profile_store_push(store, &bad);
    eng_last_error_message(message, sizeof message, &message_len);
    check(eng_profile_store_len(store, &n), "count customers");
    printf("a bad row: %s (%s); still %zu customers\n", eng_status_name(s), message, n);

    eng_table_free(actions);
    eng_table_free(accounts);
    eng_table_free(segments);
    eng_segment_set_free(set);
    free(ids);
    free(stages);
    free(b.customer), free(b.time), free(b.channel), free(b.kind), free(b.scale), free(b.value), free(b.rating);
    eng_profile_store_free(store);
    eng_shutdown(); /* stop the library's worker threads: nothing is left running at exit */
    return 0;
}
