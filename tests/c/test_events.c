/* A product's own events from C: the event dictionary (intern, merge, labels), path analysis,
 * sessions and funnels over an event log without channels or kinds, and their bad input. */
#include <stdint.h>
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

static int message_has(const char *needle) {
    char msg[512] = {0};
    size_t len = 0;
    eng_last_error_message(msg, sizeof msg, &len);
    return strstr(msg, needle) != NULL;
}

#define N 7

int main(void) {
    /* A clickstream: customer 1 browses, adds to cart and pays (card); customer 2 browses twice
     * with 40 quiet minutes between, then pays (cash); unicode and empty labels are labels. */
    const uint64_t customer[N] = {1, 1, 1, 1, 2, 2, 2};
    const int64_t time[N] = {0, 60, 90, 200, 0, 2400, 2460};
    const char *labels[N] = {"catalog", "product_view", "add_to_cart", "payment_card",
                             "catalog", "catalog",      "payment_cash"};

    eng_event_dictionary *dict = NULL;
    expect(eng_event_dictionary_new(NULL, 0, &dict) == ENG_STATUS_OK, "new dictionary");
    uint32_t codes[N];
    expect(eng_event_dictionary_intern(dict, labels, NULL, N, codes) == ENG_STATUS_OK, "intern");
    expect(codes[0] == 0 && codes[4] == 0 && codes[6] == 4, "codes by first appearance");
    size_t n = 0;
    expect(eng_event_dictionary_len(dict, &n) == ENG_STATUS_OK && n == 5, "five labels");

    /* Labels with lengths: unicode and the empty label. */
    const char *more[2] = {"caf\xc3\xa9 visit", ""};
    const size_t more_len[2] = {11, 0};
    uint32_t more_codes[2];
    expect(eng_event_dictionary_intern(dict, more, more_len, 2, more_codes) == ENG_STATUS_OK &&
               more_codes[0] == 5 && more_codes[1] == 6,
           "unicode and empty labels");

    /* Bad labels name their row and add nothing. */
    const char *bad[2] = {"fresh", NULL};
    expect(eng_event_dictionary_intern(dict, bad, NULL, 2, more_codes) == ENG_STATUS_INVALID_INPUT &&
               message_has("row 1"),
           "a NULL label is refused with its row");
    const char *bad_utf8[1] = {"\xff\xfe"};
    expect(eng_event_dictionary_intern(dict, bad_utf8, NULL, 1, more_codes) == ENG_STATUS_INVALID_UTF8 &&
               message_has("row 0"),
           "invalid UTF-8 is refused with its row");
    expect(eng_event_dictionary_len(dict, &n) == ENG_STATUS_OK && n == 7, "nothing added by refusals");

    /* The labels round-trip through JSON, and a second dictionary merges with a remap. */
    char *json = NULL;
    size_t json_len = 0;
    expect(eng_event_dictionary_labels_json(dict, &json, &json_len) == ENG_STATUS_OK &&
               strncmp(json, "[\"catalog\",\"product_view\"", 25) == 0,
           "labels as JSON");
    eng_event_dictionary *copy = NULL;
    expect(eng_event_dictionary_new(json, json_len, &copy) == ENG_STATUS_OK, "dictionary from its JSON");
    eng_string_free(json);
    eng_event_dictionary *other = NULL;
    const char *theirs = "[\"wishlist_add\", \"catalog\"]";
    expect(eng_event_dictionary_new(theirs, strlen(theirs), &other) == ENG_STATUS_OK, "other dictionary");
    uint32_t remap[2];
    size_t remap_len = 0;
    expect(eng_event_dictionary_merge(copy, other, remap, 2, &remap_len) == ENG_STATUS_OK && remap_len == 2 &&
               remap[0] == 7 && remap[1] == 0,
           "merge remaps the other's codes");
    expect(eng_event_dictionary_merge(copy, copy, remap, 2, &remap_len) == ENG_STATUS_INCOMPATIBLE,
           "a dictionary merged with itself is refused");
    const char *dup = "[\"a\", \"a\"]";
    eng_event_dictionary *none = NULL;
    expect(eng_event_dictionary_new(dup, strlen(dup), &none) == ENG_STATUS_JSON && none == NULL,
           "a label twice is refused");

    /* Paths of the event log (no channel, no kind). */
    char *paths = NULL;
    expect(eng_paths_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict},
                          NULL, 0, &paths, NULL) ==
               ENG_STATUS_OK,
           "paths");
    expect(paths && strstr(paths, "\"labels\":[\"add_to_cart\",\"catalog\",\"payment_card\",\"payment_cash\","
                                  "\"product_view\",\"path_start\",\"path_end\"]") != NULL,
           "labels in text order, then path_start and path_end");
    expect(paths && strstr(paths, "\"paths\":2,\"customers\":2") != NULL, "two customer paths");
    eng_string_free(paths);
    const char *per_session = "{\"per\": \"session\", \"collapse_repeats\": true}";
    expect(eng_paths_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict},
                          per_session, strlen(per_session), &paths, NULL) == ENG_STATUS_OK &&
               strstr(paths, "\"paths\":3,\"customers\":2") != NULL,
           "three sessions");
    eng_string_free(paths);
    expect(eng_paths_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time}, NULL, 0, &paths, NULL) ==
               ENG_STATUS_CONFIG &&
               message_has("choose channel, kind or campaign"),
           "paths by event without events is refused, saying what to do");
    uint32_t out_of_range[N] = {0, 1, 2, 3, 0, 0, 99};
    expect(eng_paths_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = out_of_range, .dictionary = dict},
                          NULL, 0, &paths, NULL) ==
               ENG_STATUS_INVALID_INPUT &&
               message_has("row 6"),
           "a code outside the dictionary is refused with its row");
    expect(eng_paths_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes}, NULL, 0,
                          &paths, NULL) ==
               ENG_STATUS_NULL_POINTER,
           "codes without their dictionary");

    /* Paths cut at an anchor, and the step-matrix difference of two groups (customer 1 against 2),
     * each analysis passed as eng_paths_json returned it. */
    const char *anchored = "{\"anchor\": {\"label\": \"add_to_cart\"}, \"steps\": 3}";
    expect(eng_paths_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict},
                          anchored, strlen(anchored), &paths, NULL) == ENG_STATUS_OK &&
               strstr(paths, "\"paths\":1,") != NULL,
           "only customer 1's path has the anchor");
    eng_string_free(paths);
    const char *three = "{\"steps\": 3}";
    char *one = NULL, *two = NULL, *diff = NULL;
    expect(eng_paths_json(&(eng_touchpoints){.len = 4, .customer = customer, .time = time, .event = codes, .dictionary = dict},
                          three, strlen(three), &one, NULL) ==
                   ENG_STATUS_OK &&
               eng_paths_json(&(eng_touchpoints){.len = 3, .customer = customer + 4, .time = time + 4, .event = codes + 4, .dictionary = dict},
                              three, strlen(three), &two, NULL) == ENG_STATUS_OK,
           "two groups' paths");
    expect(one && two && eng_step_matrix_diff_json(one, strlen(one), two, strlen(two), &diff, NULL) == ENG_STATUS_OK &&
               strstr(diff, "\"diff\":[") != NULL && strstr(diff, "\"path_end\"]") != NULL,
           "step matrix difference of two analyses as they were returned");
    eng_string_free(diff);
    const char *two_steps = "{\"steps\": 2}";
    eng_string_free(two);
    expect(eng_paths_json(&(eng_touchpoints){.len = 3, .customer = customer + 4, .time = time + 4, .event = codes + 4, .dictionary = dict},
                          two_steps, strlen(two_steps), &two, NULL) == ENG_STATUS_OK &&
               eng_step_matrix_diff_json(one, strlen(one), two, strlen(two), &diff, NULL) == ENG_STATUS_CONFIG,
           "different steps are refused");
    eng_string_free(one);
    eng_string_free(two);

    /* Sessions: customer 2's 40 quiet minutes start a second session. */
    uint32_t row_session[N];
    char *sessions = NULL;
    expect(eng_sessions(&(eng_touchpoints){.len = N, .customer = customer, .time = time}, NULL, 0, row_session,
                        &sessions, NULL) == ENG_STATUS_OK &&
               row_session[4] == 1 && row_session[5] == 2 && row_session[6] == 2,
           "sessions by the gap");
    expect(sessions && strstr(sessions, "\"sessions\":3") != NULL, "three sessions in the summary");
    eng_string_free(sessions);
    const char *bad_gap = "{\"gap\": 0}";
    expect(eng_sessions(&(eng_touchpoints){.len = N, .customer = customer, .time = time}, bad_gap, strlen(bad_gap),
                        row_session, NULL, NULL) ==
               ENG_STATUS_CONFIG,
           "a zero gap is refused");

    /* A funnel over events: browse, then pay by any payment_ event. */
    const char *funnel = "{\"steps\": [{\"name\": \"browse\", \"events\": [\"catalog\"]},"
                         " {\"name\": \"pay\", \"event_prefix\": \"payment_\"}]}";
    char *result = NULL;
    expect(eng_funnel_events_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict},
                                  funnel, strlen(funnel), &result, NULL) == ENG_STATUS_OK &&
               strstr(result, "\"customers\":[2,2]") != NULL,
           "funnel over events");
    eng_string_free(result);
    const char *per = "{\"per\": \"session\", \"steps\": [{\"name\": \"browse\", \"events\": [\"catalog\"]},"
                      " {\"name\": \"pay\", \"event_prefix\": \"payment_\"}]}";
    expect(eng_funnel_events_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict},
                                  per, strlen(per), &result, NULL) == ENG_STATUS_OK &&
               strstr(result, "\"customers\":[3,2]") != NULL,
           "funnel per session: three sessions browse, two pay");
    eng_string_free(result);
    expect(eng_funnel_events_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time}, funnel,
                                  strlen(funnel), &result, NULL) == ENG_STATUS_CONFIG,
           "event steps without events are refused");
    /* Given session ids: customer 1's visit in one session (id 5), customer 2's in two (ids 5 and
     * 6: the catalog at 2400 and the payment together): both pay in the session they browsed. */
    const uint64_t ids[N] = {5, 5, 5, 5, 5, 6, 6};
    expect(eng_funnel_events_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict, .session = ids},
                                  per, strlen(per), &result, NULL) == ENG_STATUS_OK &&
               strstr(result, "\"customers\":[3,2]") != NULL,
           "funnel per given session");
    eng_string_free(result);
    expect(eng_funnel_events_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict, .session = ids},
                                  funnel, strlen(funnel), &result, NULL) == ENG_STATUS_OK &&
               strstr(result, "\"customers\":[2,2]") != NULL,
           "a funnel per customer reads no session ids");
    eng_string_free(result);

    /* Retention: customer 1 signs up on day 0 and opens on days 1 and 3; customer 2 signs up on
     * day 2. Observed until day 4: day 2's cohort has had only day 1 after it (censoring). */
    const uint64_t r_customer[4] = {1, 1, 1, 2};
    const int64_t r_time[4] = {0, 86400, 259200, 172800};
    const char *r_labels[4] = {"signup", "open", "open", "signup"};
    uint32_t r_codes[4];
    eng_event_dictionary *r_dict = NULL;
    expect(eng_event_dictionary_new(NULL, 0, &r_dict) == ENG_STATUS_OK &&
               eng_event_dictionary_intern(r_dict, r_labels, NULL, 4, r_codes) == ENG_STATUS_OK,
           "retention labels");
    const char *r_config = "{\"start\": {\"events\": [\"signup\"]}, \"periods\": 3, \"as_of\": 345600}";
    expect(eng_retention_json(&(eng_touchpoints){.len = 4, .customer = r_customer, .time = r_time, .event = r_codes, .dictionary = r_dict},
                              r_config, strlen(r_config), &result, NULL) == ENG_STATUS_OK &&
               strstr(result, "\"counted\":[1,1,1,1,0,0]") != NULL &&
               strstr(result, "\"retained\":[1,0,1,0,0,0]") != NULL &&
               strstr(result, "\"cohort\":[\"1970-01-01\",\"1970-01-03\"]") != NULL,
           "retention by day with censoring");
    eng_string_free(result);
    const char *r_bad = "{\"brackets\": [[2, 7], [1, 1]]}";
    expect(eng_retention_json(&(eng_touchpoints){.len = 4, .customer = r_customer, .time = r_time, .event = r_codes, .dictionary = r_dict},
                              r_bad, strlen(r_bad), &result, NULL) == ENG_STATUS_CONFIG,
           "brackets out of order are refused");
    expect(eng_retention_json(&(eng_touchpoints){.len = 4, .customer = r_customer, .time = r_time}, r_config,
                              strlen(r_config), &result, NULL) == ENG_STATUS_CONFIG,
           "an event start without events is refused");
    eng_event_dictionary_free(r_dict);
    /* Lifecycle by day of the same log: customer 1 new on day 0, back (returning) on day 1,
     * dormant on day 2, resurrected on day 3; customer 2 new on day 2, dormant on day 3. */
    const char *l_config = "{\"period\": \"day\"}";
    expect(eng_event_dictionary_new(NULL, 0, &r_dict) == ENG_STATUS_OK &&
               eng_event_dictionary_intern(r_dict, r_labels, NULL, 4, r_codes) == ENG_STATUS_OK,
           "lifecycle labels");
    expect(eng_lifecycle_json(&(eng_touchpoints){.len = 4, .customer = r_customer, .time = r_time, .event = r_codes, .dictionary = r_dict},
                              l_config, strlen(l_config), &result, NULL) == ENG_STATUS_OK &&
               strstr(result, "\"new\":[1,0,1,0]") != NULL && strstr(result, "\"returning\":[0,1,0,0]") != NULL &&
               strstr(result, "\"dormant\":[0,0,1,1]") != NULL &&
               strstr(result, "\"resurrecting\":[0,0,0,1]") != NULL,
           "lifecycle by day");
    eng_string_free(result);
    /* Stickiness by week: 1970-01-01 is a Thursday; customer 1 active Thursday, Friday and Sunday
     * (3 days of one ISO week), customer 2 Saturday (1 day). */
    expect(eng_stickiness_json(&(eng_touchpoints){.len = 4, .customer = r_customer, .time = r_time, .event = r_codes, .dictionary = r_dict},
                               NULL, 0, &result, NULL) ==
                   ENG_STATUS_OK &&
               strstr(result, "\"dau\":[1,1,1,1]") != NULL && strstr(result, "\"wau\":[1,1,2,2]") != NULL &&
               strstr(result, "\"total_days\":[1,0,1,0,0,0,0]") != NULL,
           "stickiness by week");
    eng_string_free(result);
    const char *s_day = "{\"period\": \"day\"}";
    expect(eng_stickiness_json(&(eng_touchpoints){.len = 4, .customer = r_customer, .time = r_time, .event = r_codes, .dictionary = r_dict},
                               s_day, strlen(s_day), &result, NULL) == ENG_STATUS_CONFIG,
           "stickiness per day is refused");
    const char *l_bad = "{\"period\": \"fortnight\"}";
    expect(eng_lifecycle_json(&(eng_touchpoints){.len = 4, .customer = r_customer, .time = r_time, .event = r_codes, .dictionary = r_dict},
                              l_bad, strlen(l_bad), &result, NULL) == ENG_STATUS_JSON,
           "an unknown period is refused");
    eng_event_dictionary_free(r_dict);

    /* Two machines, each with its own dictionary: their event_paths partials merge into the
     * one-pass result. Customer 1 on the first machine, customer 2 on the second. */
    const char *spec = "{\"kind\": \"event_paths\", \"config\": {\"per\": \"session\"}}";
    eng_event_dictionary *d1 = NULL, *d2 = NULL;
    uint32_t c1[4], c2[3];
    expect(eng_event_dictionary_new(NULL, 0, &d1) == ENG_STATUS_OK && eng_event_dictionary_new(NULL, 0, &d2) == ENG_STATUS_OK,
           "two dictionaries");
    expect(eng_event_dictionary_intern(d1, labels, NULL, 4, c1) == ENG_STATUS_OK, "intern part 1");
    expect(eng_event_dictionary_intern(d2, labels + 4, NULL, 3, c2) == ENG_STATUS_OK, "intern part 2");
    eng_partial *p1 = NULL, *p2 = NULL, *whole = NULL;
    expect(eng_partial_new_events(spec, strlen(spec),
                                  &(eng_touchpoints){.len = 4, .customer = customer, .time = time, .event = c1, .dictionary = d1},
                                  &p1) == ENG_STATUS_OK,
           "partial 1");
    expect(eng_partial_new_events(spec, strlen(spec),
                                  &(eng_touchpoints){.len = 3, .customer = customer + 4, .time = time + 4, .event = c2, .dictionary = d2},
                                  &p2) ==
               ENG_STATUS_OK,
           "partial 2");
    expect(eng_partial_new_events(spec, strlen(spec),
                                  &(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict},
                                  &whole) ==
               ENG_STATUS_OK,
           "one pass");
    expect(eng_partial_merge(p1, p2) == ENG_STATUS_OK, "merge the machines");
    char *merged_json = NULL, *whole_json = NULL;
    expect(eng_partial_result_json(p1, &merged_json, NULL) == ENG_STATUS_OK &&
               eng_partial_result_json(whole, &whole_json, NULL) == ENG_STATUS_OK && strcmp(merged_json, whole_json) == 0,
           "merged machines equal one pass");
    eng_string_free(merged_json);
    eng_string_free(whole_json);
    eng_partial *none_p = NULL;
    expect(eng_partial_new_events(spec, strlen(spec),
                                  &(eng_touchpoints){.len = N, .customer = customer, .time = time}, &none_p) ==
               ENG_STATUS_CONFIG && none_p == NULL,
           "event paths without events are refused");
    eng_partial_free(p1);
    eng_partial_free(p2);
    eng_partial_free(whole);
    eng_event_dictionary_free(d1);
    eng_event_dictionary_free(d2);

    /* Attribution by event: the two payments are purchases (30 and 12); last touch credits
     * add_to_cart with customer 1's 30 and catalog with customer 2's 12. */
    {
        uint8_t channel[N], kind[N];
        const double value[N] = {0, 0, 0, 30, 0, 0, 12};
        for (int i = 0; i < N; i++) {
            channel[i] = ENG_CHANNEL_WEB;
            kind[i] = (i == 3 || i == 6) ? ENG_KIND_PURCHASE : ENG_KIND_VISIT;
        }
        const char *by = "{\"by\": \"event\"}";
        const char *rule = "{\"rule\": \"last_touch\"}";
        char *json = NULL;
        expect(eng_attribute_events_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .event = codes, .dictionary = dict},
                                         by, strlen(by), rule, strlen(rule), &json, NULL) == ENG_STATUS_OK &&
                   strstr(json, "\"channels\":[\"catalog\",\"product_view\",\"add_to_cart\"]") != NULL &&
                   strstr(json, "\"value\":[12.0,0.0,30.0]") != NULL,
               "attribution by event");
        eng_string_free(json);
        json = NULL;
        expect(eng_attribute_events_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value},
                                         by, strlen(by), rule, strlen(rule), &json, NULL) == ENG_STATUS_CONFIG &&
                   json == NULL && message_has("event"),
               "attribution by event without events is refused");
        const char *typo = "{\"by\": \"evnt\"}";
        expect(eng_attribute_events_json(&(eng_touchpoints){.len = N, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .event = codes, .dictionary = dict},
                                         typo, strlen(typo), rule, strlen(rule), &json, NULL) == ENG_STATUS_JSON &&
                   message_has("event, channel, kind, campaign"),
               "an unknown dimension lists the accepted ones");
        /* The same through partials, one per customer, value included. */
        const char *pspec = "{\"kind\": \"paths\", \"by\": \"event\"}";
        eng_partial *a = NULL, *b = NULL;
        expect(eng_partial_new_events(pspec, strlen(pspec),
                                      &(eng_touchpoints){.len = 4, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .event = codes, .dictionary = dict},
                                      &a) == ENG_STATUS_OK &&
                   eng_partial_new_events(pspec, strlen(pspec),
                                          &(eng_touchpoints){.len = 3, .customer = customer + 4, .time = time + 4, .channel = channel + 4, .kind = kind + 4, .value = value + 4, .event = codes + 4, .dictionary = dict},
                                          &b) == ENG_STATUS_OK &&
                   eng_partial_merge(a, b) == ENG_STATUS_OK,
               "attribution partials by event");
        expect(eng_partial_attribute_json(a, rule, strlen(rule), &json, NULL) == ENG_STATUS_OK &&
                   strstr(json, "\"value\":[12.0,0.0,30.0]") != NULL,
               "merged attribution partials equal one pass");
        eng_string_free(json);
        eng_partial_free(a);
        eng_partial_free(b);
    }

    /* Triggers on events: a sales call once a customer views payment (prefix), the first time
     * only; a reminder when a catalog visit is not followed by payment within 10 minutes. */
    {
        const char *rules = "{\"rules\": ["
                            "{\"name\": \"pay\", \"action\": \"call\", \"when\": {\"type\": \"event\", "
                            "\"on\": {\"event_prefix\": \"payment_\"}, \"once\": true}},"
                            "{\"name\": \"browse\", \"action\": \"remind\", \"when\": {\"type\": \"abandoned\", "
                            "\"wait\": 600, \"start\": {\"events\": [\"catalog\"]}, "
                            "\"complete\": {\"event_regex\": \"^payment_\"}}}]}";
        eng_triggers *t = NULL;
        char *json = NULL;
        expect(eng_triggers_new(rules, strlen(rules), &t) == ENG_STATUS_OK, "event trigger rules");
        /* Customer 1: catalog 0, payment 200 (no reminder; call at 200). Customer 2: catalog 0
         * (reminder due 600), catalog 2400 (reminder due 3000, cancelled by payment at 2460). */
        expect(eng_triggers_push_events_json(t,
                                             &(eng_touchpoints){.len = N, .customer = customer, .time = time, .event = codes, .dictionary = dict},
                                             &json, NULL) ==
                       ENG_STATUS_OK &&
                   strstr(json, "\"customer\":1,\"due\":200,\"rule\":\"pay\"") != NULL &&
                   strstr(json, "\"customer\":2,\"due\":600,\"rule\":\"browse\"") != NULL &&
                   strstr(json, "\"customer\":2,\"due\":2460,\"rule\":\"pay\"") != NULL,
               "event triggers fire");
        eng_string_free(json);
        json = NULL;
        expect(eng_triggers_advance_json(t, 100000, &json, NULL) == ENG_STATUS_OK && strcmp(json, "[]") == 0,
               "the second reminder was cancelled");
        eng_string_free(json);
        json = NULL;
        expect(eng_triggers_push_events_json(t, &(eng_touchpoints){.len = N, .customer = customer, .time = time},
                                             &json, NULL) ==
                       ENG_STATUS_CONFIG &&
                   message_has("\"pay\""),
               "event rules without events are refused");
        eng_triggers_free(t);
    }

    eng_event_dictionary_free(other);
    eng_event_dictionary_free(copy);
    eng_event_dictionary_free(dict);
    eng_event_dictionary_free(NULL);
    printf("c event tests: %s\n", failed ? "FAILED" : "passed");
    eng_shutdown();
    return failed ? 1 : 0;
}
