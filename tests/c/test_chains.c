/* What one call returns, the next takes as it is: each pair below hands one call's output to the
 * next without conversion (the transaction summary into a fit and a fit into a prediction are
 * chained in test_units.c).
 * - eng_profile_store_segments_json -> eng_next_best_actions_json (membership_json);
 * - eng_loyalty_json (the whole document) -> eng_next_best_actions_json (accounts_json);
 * - eng_profile_store_stages (stage codes) -> eng_next_best_actions_json (stage);
 * - eng_stage_history_json -> eng_stage_transitions_of_history_json, equal to
 *   eng_stage_transitions_json on the same entries given as code columns. */
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

#define DAY 86400
#define N 6

/* Customer 1 spends 6,000 (platinum), 2 spends 600 (silver), 3 only clicks. */
static const uint64_t customer[N] = {1, 1, 2, 2, 3, 3};
static const int64_t when[N] = {0, 10 * DAY, 2 * DAY, 30 * DAY, 5 * DAY, 40 * DAY};
static const uint8_t channel[N] = {ENG_CHANNEL_WEB, ENG_CHANNEL_WEB, ENG_CHANNEL_EMAIL,
                                   ENG_CHANNEL_WEB, ENG_CHANNEL_EMAIL, ENG_CHANNEL_EMAIL};
static const uint8_t kind[N] = {ENG_KIND_PURCHASE, ENG_KIND_PURCHASE, ENG_KIND_CLICK,
                                ENG_KIND_PURCHASE, ENG_KIND_CLICK, ENG_KIND_CLICK};
static const double value[N] = {2500.0, 3500.0, 0.0, 600.0, 0.0, 0.0};

static void segments_and_loyalty_into_actions(void) {
    const int64_t as_of = 45 * DAY;
    eng_profile_store *store = NULL;
    expect(eng_profile_store_new(NULL, 0, &store) == ENG_STATUS_OK, "store");
    expect(eng_profile_store_push(store,
                                  &(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value}) == ENG_STATUS_OK, "push");

    const char *defs = "{\"version\": 1, \"segments\": ["
                       "{\"name\": \"big\", \"rule\": {\"field\": \"revenue\", \"op\": \">=\", \"value\": 500}},"
                       "{\"name\": \"browsers\", \"rule\": {\"field\": \"purchases\", \"op\": \"==\", \"value\": 0}}]}";
    eng_segment_set *set = NULL;
    expect(eng_segment_set_new(defs, strlen(defs), &set) == ENG_STATUS_OK, "segment set");
    char *membership = NULL;
    size_t membership_len = 0;
    expect(eng_profile_store_segments_json(store, set, as_of, NULL, 0, NULL, 0, &membership, &membership_len) ==
               ENG_STATUS_OK,
           "segments as JSON");
    expect(membership != NULL && strlen(membership) == membership_len, "membership length");
    expect(membership != NULL && strcmp(membership, "{\"customer\":[1,2,3],\"names\":[\"big\",\"browsers\"],"
                                                    "\"member\":[[true,true,false],[false,false,true]],"
                                                    "\"primary\":[0,0,1]}") == 0,
           "membership document");

    char *none = NULL;
    expect(eng_profile_store_segments_json(NULL, set, as_of, NULL, 0, NULL, 0, &none, NULL) ==
               ENG_STATUS_NULL_POINTER && none == NULL,
           "no store is refused");
    const char *bad_rfm = "{\"bins\": \"deciles\"}";
    expect(eng_profile_store_segments_json(store, set, as_of, NULL, 0, bad_rfm, strlen(bad_rfm), &none, NULL) ==
               ENG_STATUS_JSON && none == NULL,
           "an unknown RFM rule is refused");
    char msg[512] = {0};
    size_t len = 0;
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "distinct_values") != NULL, "the refusal lists the RFM rules");

    /* The layout the array call writes agrees: customer-major bytes, -1 for no segment. */
    uint64_t ids[4];
    uint8_t member[4 * 2];
    int32_t primary[4];
    size_t n = 0;
    expect(eng_profile_store_segments(store, set, as_of, NULL, 0, NULL, 0, ids, member, primary, 4, &n) ==
               ENG_STATUS_OK && n == 3,
           "segments as arrays");
    expect(member[0] == 1 && member[1] == 0 && member[4] == 0 && member[5] == 1 && primary[2] == 1,
           "arrays agree with the document");

    char *loyalty = NULL;
    expect(eng_loyalty_json(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                            NULL, NULL, NULL, 0, as_of, NULL, 0, &loyalty, NULL) == ENG_STATUS_OK,
           "loyalty");

    uint8_t stage[4];
    expect(eng_profile_store_stages(store, as_of, NULL, 0, ids, stage, 4, &n) == ENG_STATUS_OK && n == 3, "stages");

    const char *table = "{\"rules\": ["
                        "{\"action\": \"vip_call\", \"priority\": 1, \"tiers\": [\"platinum\"]},"
                        "{\"action\": \"thank_you\", \"priority\": 2, \"segments\": [\"big\"]},"
                        "{\"action\": \"first_order_coupon\", \"priority\": 3, \"segments\": [\"browsers\"]}]}";
    char *actions = NULL;
    expect(eng_next_best_actions_json(ids, stage, n, table, strlen(table), membership, membership_len, loyalty,
                                      strlen(loyalty), &actions, NULL) == ENG_STATUS_OK,
           "actions from the outputs as they are");
    expect(actions != NULL && strcmp(actions, "[\"vip_call\",\"thank_you\",\"first_order_coupon\"]") == 0,
           "actions use the membership and the tiers");
    if (actions) printf("actions: %s\n", actions);

    eng_string_free(actions);
    eng_string_free(loyalty);
    eng_string_free(membership);
    eng_segment_set_free(set);
    eng_profile_store_free(store);
}

/* The same chain through tables: no JSON in the client, each table handed to the next call as it is,
 * and every column equal to what the JSON path says. */
static void the_same_chain_through_tables(void) {
    const int64_t as_of = 45 * DAY;
    eng_profile_store *store = NULL;
    eng_segment_set *set = NULL;
    eng_table *segments = NULL, *accounts = NULL, *history = NULL, *actions = NULL, *wrong = NULL;
    const char *defs = "{\"version\": 1, \"segments\": ["
                       "{\"name\": \"big\", \"rule\": {\"field\": \"revenue\", \"op\": \">=\", \"value\": 500}},"
                       "{\"name\": \"browsers\", \"rule\": {\"field\": \"purchases\", \"op\": \"==\", \"value\": 0}}]}";
    expect(eng_profile_store_new(NULL, 0, &store) == ENG_STATUS_OK, "store");
    expect(eng_profile_store_push(store,
                                  &(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value}) == ENG_STATUS_OK, "push");
    expect(eng_segment_set_new(defs, strlen(defs), &set) == ENG_STATUS_OK, "segment set");
    expect(eng_profile_store_segments_table(store, set, as_of, NULL, 0, NULL, 0, &segments) == ENG_STATUS_OK,
           "segments as a table");
    expect(eng_loyalty_tables(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                              NULL, NULL, NULL, 0, as_of, NULL, 0, &accounts, &history) == ENG_STATUS_OK,
           "loyalty as tables");

    /* Columns are borrowed: no size to ask first, no copy. */
    const uint64_t *ids = NULL, *balance = NULL;
    const uint8_t *in_big = NULL;
    const int32_t *primary = NULL, *tier = NULL;
    const int64_t *since = NULL;
    size_t n = 0, m = 0, labels = 0, rows = 0, columns = 0;
    const char *label = NULL, *name = NULL, *type = NULL;
    expect(eng_table_u64(segments, "customer", &ids, &n) == ENG_STATUS_OK && n == 3 && ids[2] == 3, "customer ids");
    expect(eng_table_codes(segments, "primary", &primary, &m) == ENG_STATUS_OK && m == 3, "primary codes");
    expect(eng_table_label(segments, "primary", primary[2], &labels, &label) == ENG_STATUS_OK && labels == 2 &&
               strcmp(label, "browsers") == 0,
           "customer 3's primary segment, as the document says");
    expect(eng_table_u8(segments, "in:big", &in_big, &m) == ENG_STATUS_OK && in_big[0] == 1 && in_big[1] == 1 &&
               in_big[2] == 0,
           "membership flags, as the document says");
    expect(eng_table_rows(segments, &rows) == ENG_STATUS_OK && rows == 3, "rows");
    expect(eng_table_columns(segments, &columns) == ENG_STATUS_OK && columns == 4, "customer, primary, two flags");
    expect(eng_table_column(segments, 3, &name, &type) == ENG_STATUS_OK && strcmp(name, "in:browsers") == 0 &&
               strcmp(type, "u8") == 0,
           "the last column's name and type");
    char *document = NULL;
    expect(eng_loyalty_json(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                            NULL, NULL, NULL, 0, as_of, NULL, 0, &document, NULL) == ENG_STATUS_OK,
           "loyalty as JSON");
    const char *b = document ? strstr(document, "\"balance\":[") : NULL;
    expect(eng_table_u64(accounts, "balance", &balance, &m) == ENG_STATUS_OK && m == 3 && b &&
               balance[0] == strtoull(b + 11, NULL, 10),
           "customer 1's balance, as the document says");
    eng_string_free(document);
    expect(eng_table_codes(accounts, "tier", &tier, &m) == ENG_STATUS_OK, "tiers");
    expect(eng_table_label(accounts, "tier", tier[0], &labels, &label) == ENG_STATUS_OK &&
               strcmp(label, "platinum") == 0,
           "customer 1 is platinum");
    expect(eng_table_label(accounts, "tier", tier[2], &labels, &label) == ENG_STATUS_OK && label == NULL,
           "customer 3 has no tier (-1, no label)");
    expect(eng_table_i64(history, "since", &since, &m) == ENG_STATUS_OK && m >= 2, "tier history");

    uint8_t stage[4];
    uint64_t stage_ids[4];
    expect(eng_profile_store_stages(store, as_of, NULL, 0, stage_ids, stage, 4, &n) == ENG_STATUS_OK && n == 3,
           "stages");
    const char *table = "{\"rules\": ["
                        "{\"action\": \"vip_call\", \"priority\": 1, \"tiers\": [\"platinum\"]},"
                        "{\"action\": \"thank_you\", \"priority\": 2, \"segments\": [\"big\"]},"
                        "{\"action\": \"first_order_coupon\", \"priority\": 3, \"segments\": [\"browsers\"]}]}";
    expect(eng_next_best_actions_table(stage_ids, stage, n, table, strlen(table), segments, accounts, &actions) ==
               ENG_STATUS_OK,
           "actions from the tables as they are");
    const int32_t *action = NULL;
    expect(eng_table_codes(actions, "action", &action, &m) == ENG_STATUS_OK && m == 3, "action codes");
    const char *want[] = {"vip_call", "thank_you", "first_order_coupon"};
    for (size_t i = 0; i < 3 && m == 3; i++) {
        expect(eng_table_label(actions, "action", action[i], &labels, &label) == ENG_STATUS_OK && label &&
                   strcmp(label, want[i]) == 0,
               "the same actions as the JSON path");
    }

    /* Misuse is refused with a message that says what to do. */
    char msg[512] = {0};
    size_t len = 0;
    expect(eng_table_u64(accounts, "tier", &ids, &m) == ENG_STATUS_INCOMPATIBLE, "a label column read as u64");
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "eng_table_codes") != NULL, "the message names the accessor");
    expect(eng_table_u64(accounts, "balence", &ids, &m) == ENG_STATUS_UNKNOWN_LABEL, "an unknown column");
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "balance") != NULL, "the message lists the columns");
    expect(eng_table_label(accounts, "tier", 7, &labels, &label) == ENG_STATUS_INVALID_INPUT, "a code out of range");
    expect(eng_table_column(accounts, 99, &name, NULL) == ENG_STATUS_INVALID_INPUT, "a column out of range");
    expect(eng_next_best_actions_table(stage_ids, stage, n, table, strlen(table), accounts, NULL, &wrong) ==
               ENG_STATUS_INCOMPATIBLE && wrong == NULL,
           "accounts given as segments");
    expect(eng_next_best_actions_table(stage_ids, stage, n, table, strlen(table), NULL, history, &wrong) ==
               ENG_STATUS_INCOMPATIBLE && wrong == NULL,
           "a history given as accounts");
    expect(eng_table_u64(NULL, "customer", &ids, &m) == ENG_STATUS_NULL_POINTER, "no table");
    expect(eng_table_u64(accounts, NULL, &ids, &m) == ENG_STATUS_NULL_POINTER, "no name");
    expect(eng_table_f64(accounts, "balance", NULL, &m) == ENG_STATUS_NULL_POINTER, "no output");
    expect(eng_table_rows(accounts, NULL) == ENG_STATUS_NULL_POINTER, "no row count output");
    expect(eng_table_columns(NULL, &columns) == ENG_STATUS_NULL_POINTER, "no table to count");
    expect(eng_table_label(accounts, "tier", 0, NULL, &label) == ENG_STATUS_NULL_POINTER, "no count output");
    expect(eng_loyalty_tables(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                              NULL, NULL, NULL, 0, as_of, NULL, 0, NULL, NULL) == ENG_STATUS_NULL_POINTER,
           "no accounts output");
    expect(eng_profile_store_segments_table(store, set, as_of, NULL, 0, NULL, 0, NULL) == ENG_STATUS_NULL_POINTER,
           "no segments output");

    eng_table_free(actions);
    eng_table_free(history);
    eng_table_free(accounts);
    eng_table_free(segments);
    eng_table_free(NULL);
    eng_segment_set_free(set);
    eng_profile_store_free(store);
}

/* Journeys as tables: each column as the JSON result says. */
static void journeys_through_tables(void) {
    eng_table *history = NULL, *funnel = NULL, *credit = NULL;
    char *json = NULL;
    const uint64_t *ids = NULL, *reached = NULL;
    const int64_t *entered = NULL;
    const int32_t *codes = NULL;
    const double *conversions = NULL, *effects = NULL;
    size_t rows = 0, count = 0;
    const char *label = NULL;

    expect(eng_stage_history_table(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                                   400 * DAY, NULL, 0, &history) == ENG_STATUS_OK,
           "stage history as a table");
    expect(eng_stage_history_json(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                                  400 * DAY, NULL, 0, &json, NULL) == ENG_STATUS_OK,
           "stage history as JSON");
    expect(eng_table_u64(history, "customer", &ids, &rows) == ENG_STATUS_OK && rows > 3, "history rows");
    expect(eng_table_i64(history, "entered_at", &entered, &rows) == ENG_STATUS_OK, "entered_at");
    expect(eng_table_codes(history, "stage", &codes, &rows) == ENG_STATUS_OK, "stage codes");
    expect(eng_table_label(history, "stage", codes[rows - 1], &count, &label) == ENG_STATUS_OK && count == 8 &&
               strcmp(label, eng_stage_label((uint8_t)codes[rows - 1])) == 0,
           "stage labels in ENG_STAGE_* code order");
    const char *p = json ? strstr(json, "\"entered_at\":[") : NULL;
    size_t k = 0;
    for (p = p ? p + 14 : NULL; p && k < rows; k++) {
        if (strtoll(p, (char **)&p, 10) != entered[k]) break;
        p += *p == ',';
    }
    expect(k == rows, "every entered_at as the JSON says");
    eng_string_free(json);

    const char *steps = "{\"steps\": [{\"name\": \"clicked\", \"kinds\": [\"click\"]}, "
                        "{\"name\": \"bought\", \"kinds\": [\"purchase\"]}]}";
    expect(eng_funnel_table(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind},
                            steps, strlen(steps), &funnel) == ENG_STATUS_OK,
           "funnel as a table");
    expect(eng_table_u64(funnel, "customers", &reached, &rows) == ENG_STATUS_OK && rows == 2 && reached[0] == 2 &&
               reached[1] == 1,
           "customers 2 and 3 click, customer 2 buys after clicking");
    expect(eng_table_label(funnel, "step", 1, &count, &label) == ENG_STATUS_OK && strcmp(label, "bought") == 0,
           "step names");

    const char *rule = "{\"rule\": \"markov\"}";
    expect(eng_attribute_touchpoints_table(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                                           30 * DAY, rule, strlen(rule), &credit) == ENG_STATUS_OK,
           "attribution as a table");
    expect(eng_attribute_touchpoints_json(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                                          30 * DAY, rule, strlen(rule), &json, NULL) == ENG_STATUS_OK,
           "attribution as JSON");
    expect(eng_table_f64(credit, "conversions", &conversions, &rows) == ENG_STATUS_OK, "credits");
    expect(eng_table_f64(credit, "removal_effect", &effects, &rows) == ENG_STATUS_OK && !isnan(effects[0]),
           "Markov removal effects");
    double total = 0;
    for (size_t i = 0; i < rows; i++) total += conversions[i];
    expect(fabs(total - 3.0) < 1e-9, "the three purchases are credited in full");
    expect(eng_table_label(credit, "channel", 0, &count, &label) == ENG_STATUS_OK && json &&
               strstr(json, label) != NULL,
           "channel labels as the JSON names them");
    eng_string_free(json);

    eng_table_free(credit);
    eng_table_free(funnel);
    eng_table_free(history);
}

static void stage_history_into_transitions(void) {
    char *history = NULL;
    size_t history_len = 0;
    expect(eng_stage_history_json(&(eng_touchpoints){.len = N, .customer = customer, .time = when, .channel = channel, .kind = kind, .value = value},
                                  400 * DAY, NULL, 0, &history, &history_len) == ENG_STATUS_OK,
           "stage history");
    char *from_history = NULL;
    expect(eng_stage_transitions_of_history_json(history, history_len, &from_history, NULL) == ENG_STATUS_OK,
           "transitions of the history as it is");

    /* The same entries as code columns, as a C caller holding them would pass them. */
    const char *labels[] = {"prospect", "engaged", "new_customer", "repeat", "loyal", "advocate", "at_risk", "churned"};
    uint64_t c[64];
    uint8_t s[64];
    int64_t t[64];
    size_t k = 0;
    const char *p = strstr(history, "\"customer\":[") + 12;
    while (k < 64 && *p != ']') c[k++] = strtoull(p, (char **)&p, 10), p += *p == ',';
    p = strstr(history, "\"stage\":[") + 9;
    for (size_t i = 0; i < k; i++) {
        for (uint8_t code = 0; code < 8; code++) {
            size_t len = strlen(labels[code]);
            if (p[0] == '"' && strncmp(p + 1, labels[code], len) == 0 && p[len + 1] == '"') s[i] = code;
        }
        p = strchr(p + 1, '"') + 1, p += *p == ',';
    }
    p = strstr(history, "\"entered_at\":[") + 14;
    for (size_t i = 0; i < k; i++) t[i] = strtoll(p, (char **)&p, 10), p += *p == ',';
    char *from_columns = NULL;
    expect(eng_stage_transitions_json(c, s, t, k, &from_columns, NULL) == ENG_STATUS_OK, "transitions of columns");
    expect(k > 3 && from_history && from_columns && strcmp(from_history, from_columns) == 0,
           "the history's document gives the transitions of its columns");

    const char *bad = "{\"customer\": [1], \"stage\": [\"lost\"], \"entered_at\": [0]}";
    char *none = NULL;
    expect(eng_stage_transitions_of_history_json(bad, strlen(bad), &none, NULL) == ENG_STATUS_JSON,
           "an unknown stage label is refused");
    char msg[512] = {0};
    size_t len = 0;
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "churned") != NULL, "the refusal lists the stages");

    eng_string_free(from_columns);
    eng_string_free(from_history);
    eng_string_free(history);
}

/* Due trigger actions as tables (the same actions as the JSON form), and a CRM's labels read
 * through a label map made once. */
static void triggers_and_labels_as_tables(void) {
    static const char rules[] = "{\"rules\": [{\"name\": \"hi\", \"action\": \"welcome\", \"when\": {\"type\": "
                                "\"first_touch\"}}, {\"name\": \"cart\", \"action\": \"cart_reminder\", \"when\": "
                                "{\"type\": \"abandoned_cart\", \"wait\": 3600}}]}";
    const uint64_t c[] = {1, 2, 2};
    const int64_t t[] = {0, 10, 20};
    const uint8_t ch[] = {ENG_CHANNEL_WEB, ENG_CHANNEL_WEB, ENG_CHANNEL_WEB};
    const uint8_t k[] = {ENG_KIND_CART_ADD, ENG_KIND_VISIT, ENG_KIND_CART_ADD};
    struct eng_triggers *a = NULL, *b = NULL;
    expect(eng_triggers_new(rules, strlen(rules), &a) == ENG_STATUS_OK, "triggers");
    expect(eng_triggers_new(rules, strlen(rules), &b) == ENG_STATUS_OK, "triggers");
    char *json = NULL;
    struct eng_table *due = NULL;
    expect(eng_triggers_push_json(a, &(eng_touchpoints){.len = 3, .customer = c, .time = t, .channel = ch, .kind = k},
                                  &json, NULL) == ENG_STATUS_OK, "push json");
    expect(eng_triggers_push_table(b,
                                   &(eng_touchpoints){.len = 3, .customer = c, .time = t, .channel = ch, .kind = k},
                                   &due) == ENG_STATUS_OK, "push table");
    size_t rows = 0, n = 0, count = 0;
    expect(eng_table_rows(due, &rows) == ENG_STATUS_OK && rows == 2, "two welcomes due");
    expect(json && strstr(json, "\"welcome\"") != NULL, "the JSON form has them too");
    eng_string_free(json);
    eng_table_free(due);
    due = NULL;
    expect(eng_triggers_advance_table(b, 7200, &due) == ENG_STATUS_OK, "advance table");
    const uint64_t *who = NULL;
    const int64_t *when = NULL;
    const int32_t *action = NULL;
    const char *label = NULL;
    expect(eng_table_u64(due, "customer", &who, &n) == ENG_STATUS_OK && n == 2, "two carts abandoned");
    expect(eng_table_i64(due, "due", &when, &n) == ENG_STATUS_OK && when[0] == 3600 && when[1] == 3620,
           "due an hour after each cart");
    expect(eng_table_codes(due, "action", &action, &n) == ENG_STATUS_OK, "actions");
    expect(eng_table_label(due, "action", action[0], &count, &label) == ENG_STATUS_OK &&
               !strcmp(label, "cart_reminder"), "the reminder");
    expect(who[0] == 1 && who[1] == 2, "customers 1 and 2");
    eng_table_free(due);
    eng_triggers_free(a);
    eng_triggers_free(b);

    static const char channels[] = "{\"Newsletter\": \"email\", \"in-app\": \"mobile_app\"}";
    static const char kinds[] = "{\"order placed\": \"purchase\"}";
    struct eng_label_map *map = NULL;
    uint8_t code = 0;
    expect(eng_label_map_new(channels, strlen(channels), kinds, strlen(kinds), &map) == ENG_STATUS_OK, "label map");
    expect(eng_label_map_channel(map, "newsletter", 10, &code) == ENG_STATUS_OK && code == ENG_CHANNEL_EMAIL,
           "an alias, read as labels are");
    expect(eng_label_map_channel(map, "web", 3, &code) == ENG_STATUS_OK && code == ENG_CHANNEL_WEB,
           "a canonical label");
    expect(eng_label_map_kind(map, "Order Placed", 12, &code) == ENG_STATUS_OK && code == ENG_KIND_PURCHASE,
           "a kind alias");
    expect(eng_label_map_channel(map, "fax", 3, &code) == ENG_STATUS_UNKNOWN_LABEL, "an unknown channel");
    expect(eng_label_map_kind(NULL, "x", 1, &code) == ENG_STATUS_NULL_POINTER, "NULL map");
    struct eng_label_map *bad = NULL;
    expect(eng_label_map_new("{\"x\": \"fax\"}", 12, NULL, 0, &bad) == ENG_STATUS_JSON && bad == NULL,
           "an alias to no channel");
    eng_label_map_free(map);
    eng_label_map_free(NULL);
}

int main(void) {
    segments_and_loyalty_into_actions();
    the_same_chain_through_tables();
    journeys_through_tables();
    stage_history_into_transitions();
    triggers_and_labels_as_tables();
    printf("c chain tests: %s\n", failed ? "FAILED" : "passed");
    eng_shutdown();
    return failed ? 1 : 0;
}
