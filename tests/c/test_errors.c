/* Bad input through the C ABI: NULL for every pointer argument, zero
 * lengths, too-small buffers, invalid UTF-8 and JSON, out-of-range codes.
 * Each call must return its documented status and leave a useful message. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "engagement.h"
#include <stdlib.h>

static int passed, failed;

static void check(const char *what, eng_status got, eng_status want, const char *needle) {
    char msg[512] = {0};
    size_t len = 0;
    int ok = got == want;
    if (ok && want != ENG_STATUS_OK) {
        ok = eng_last_error_message(msg, sizeof msg, &len) == ENG_STATUS_OK && len > 0 &&
             (needle == NULL || strstr(msg, needle) != NULL);
    }
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAILED %s: got %s, want %s (message: \"%s\")\n", what, eng_status_name(got),
                eng_status_name(want), msg);
    }
}

#define CHECK(call, want, needle) check(#call, (call), (want), (needle))

int main(void) {
    const uint64_t customer[3] = {1, 1, 2};
    const int64_t time[3] = {0, 86400, 0};
    const uint8_t channel[3] = {ENG_CHANNEL_WEB, ENG_CHANNEL_STORE, ENG_CHANNEL_EMAIL};
    const uint8_t kind[3] = {ENG_KIND_PURCHASE, ENG_KIND_PURCHASE, ENG_KIND_CLICK};
    const double value[3] = {10.0, 5.0, 0.0};
    const float rating[3] = {NAN, NAN, 9.0f};
    const uint8_t scale[3] = {ENG_SCALE_NPS, ENG_SCALE_NPS, ENG_SCALE_NPS};
    uint64_t ids[4];
    double out[4];
    uint8_t stages[4];
    size_t n = 0;
    char *json = NULL;
    eng_profile_store *store = NULL;

    /* Creating a store: NULL output, bad JSON, bad UTF-8, bad values. */
    CHECK(eng_profile_store_new(NULL, 0, NULL), ENG_STATUS_NULL_POINTER, "out_store");
    CHECK(eng_profile_store_new(NULL, 5, &store), ENG_STATUS_NULL_POINTER, "config_json");
    CHECK(eng_profile_store_new("{", 1, &store), ENG_STATUS_JSON, NULL);
    CHECK(eng_profile_store_new("{\"mixx\": 1}", 11, &store), ENG_STATUS_JSON, "mixx");
    CHECK(eng_profile_store_new("\xff\xfe", 2, &store), ENG_STATUS_INVALID_UTF8, "config_json");
    const char *bad = "{\"saturation\": {\"emotional\": 0, \"contextual\": 5, \"convenient\": 5, \"social\": 2}}";
    CHECK(eng_profile_store_new(bad, strlen(bad), &store), ENG_STATUS_CONFIG, "saturation.emotional");
    if (store != NULL) {
        failed++;
        fprintf(stderr, "FAILED: out_store written on failure\n");
    }
    CHECK(eng_profile_store_new(NULL, 0, &store), ENG_STATUS_OK, NULL);

    /* Pushing: NULL for every required column, zero rows, bad codes and values. */
    CHECK(eng_profile_store_push(NULL,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}), ENG_STATUS_NULL_POINTER,
          "store");
    CHECK(eng_profile_store_push(store, NULL), ENG_STATUS_NULL_POINTER, "touchpoints");
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}), ENG_STATUS_NULL_POINTER,
          "customer");
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}),
          ENG_STATUS_NULL_POINTER, "time");
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}), ENG_STATUS_NULL_POINTER,
          "channel");
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .value = value, .rating = rating, .rating_scale = scale}),
          ENG_STATUS_NULL_POINTER, "kind");
    /* Ratings without their scales: refused as in every face (never read as NPS). */
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating}),
          ENG_STATUS_INVALID_INPUT, "rating_scale");
    /* A missing scale is fine on the rows without a rating, refused on the row with one. */
    const uint8_t sparse_scale[3] = {ENG_SCALE_MISSING, ENG_SCALE_MISSING, ENG_SCALE_MISSING};
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = sparse_scale}),
          ENG_STATUS_INVALID_INPUT, "rating_scale");
    CHECK(eng_profile_store_push(store, &(eng_touchpoints){.len = 0}), ENG_STATUS_OK, NULL);
    const uint8_t bad_channel[3] = {ENG_CHANNEL_WEB, 99, ENG_CHANNEL_EMAIL};
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = bad_channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}),
          ENG_STATUS_INVALID_INPUT, "row 1");
    const double negative[3] = {10.0, -5.0, 0.0};
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = negative, .rating = rating, .rating_scale = scale}),
          ENG_STATUS_INVALID_INPUT, "value");
    const double nan_value[3] = {10.0, NAN, 0.0};
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = nan_value, .rating = rating, .rating_scale = scale}),
          ENG_STATUS_INVALID_INPUT, "NaN");
    const float off_scale[3] = {NAN, NAN, 11.0f};
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = off_scale, .rating_scale = scale}),
          ENG_STATUS_INVALID_INPUT, "rating");
    const int64_t before_1970[3] = {0, -1, 0};
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = before_1970, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}),
          ENG_STATUS_INVALID_INPUT, "time");
    /* A failed push changes nothing: the store is still empty. */
    CHECK(eng_profile_store_len(store, &n), ENG_STATUS_OK, NULL);
    if (n != 0) {
        failed++;
        fprintf(stderr, "FAILED: a failed push changed the store (%zu customers)\n", n);
    }
    CHECK(eng_profile_store_push(store,
                                 &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}), ENG_STATUS_OK, NULL);
    eng_profile_store *sparse = NULL;
    CHECK(eng_profile_store_new(NULL, 0, &sparse), ENG_STATUS_OK, NULL);
    CHECK(eng_profile_store_push(sparse,
                                 &(eng_touchpoints){.len = 2, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = sparse_scale}), ENG_STATUS_OK,
          NULL);
    eng_profile_store_free(sparse);

    /* Reading back: NULL outputs, small buffers, as_of before the data, bad configuration. */
    CHECK(eng_profile_store_len(store, NULL), ENG_STATUS_NULL_POINTER, "out_len");
    CHECK(eng_profile_store_len(NULL, &n), ENG_STATUS_NULL_POINTER, "store");
    CHECK(eng_profile_store_scores(store, 86400, ids, out, NULL, NULL, NULL, NULL, 4, NULL), ENG_STATUS_NULL_POINTER,
          "out_len");
    CHECK(eng_profile_store_scores(store, 86400, ids, out, NULL, NULL, NULL, NULL, 1, &n), ENG_STATUS_BUFFER_TOO_SMALL,
          "needed");
    if (n != 2) {
        failed++;
        fprintf(stderr, "FAILED: BUFFER_TOO_SMALL must report the size needed (got %zu)\n", n);
    }
    CHECK(eng_profile_store_scores(store, 5, ids, out, NULL, NULL, NULL, NULL, 4, &n), ENG_STATUS_AS_OF_BEFORE_DATA,
          "as_of");
    CHECK(eng_profile_store_scores(store, 86400, ids, out, NULL, NULL, NULL, NULL, 4, &n), ENG_STATUS_OK, NULL);
    CHECK(eng_profile_store_stages(store, 86400, "{\"churn_window_days\": -1}", 25, ids, stages, 4, &n),
          ENG_STATUS_CONFIG, "churn_window_days");
    CHECK(eng_profile_store_customers(store, ids, SIZE_MAX, &n), ENG_STATUS_INVALID_INPUT, "too large");
    CHECK(eng_profile_store_profile_json(store, 42, &json, NULL), ENG_STATUS_UNKNOWN_ID, "42");
    CHECK(eng_profile_store_profile_json(store, 1, NULL, NULL), ENG_STATUS_NULL_POINTER, "out_json");
    CHECK(eng_profile_store_merge(store, store), ENG_STATUS_INCOMPATIBLE, "itself");
    eng_profile_store *other = NULL;
    CHECK(eng_profile_store_new("{\"signals\": {\"half_life_days\": 7}}", 34, &other), ENG_STATUS_OK, NULL);
    CHECK(eng_profile_store_merge(store, other), ENG_STATUS_INCOMPATIBLE, "signal");
    eng_profile_store_free(other);

    /* Segments: bad definitions name the place. */
    eng_segment_set *set = NULL;
    const char *def = "{\"version\": 1, \"segments\": [{\"name\": \"a\", \"rule\": {\"field\": \"revenue\", \"op\": \"=>\", \"value\": 1}}]}";
    CHECK(eng_segment_set_new(def, strlen(def), &set), ENG_STATUS_CONFIG, "segments[0].rule.op");
    CHECK(eng_segment_set_new(NULL, 3, &set), ENG_STATUS_NULL_POINTER, "json");
    CHECK(eng_profile_store_segments(store, NULL, 86400, NULL, 0, NULL, 0, ids, NULL, NULL, 4, &n),
          ENG_STATUS_NULL_POINTER, "set");

    /* Metrics and codes. */
    eng_nps_summary nps;
    eng_proportion share;
    CHECK(eng_nps(NULL, 0, 0.95, &nps), ENG_STATUS_EMPTY_INPUT, "NPS");
    CHECK(eng_nps(NULL, 2, 0.95, &nps), ENG_STATUS_NULL_POINTER, "ratings");
    CHECK(eng_nps(rating + 2, 1, 0.95, NULL), ENG_STATUS_NULL_POINTER, "out_summary");
    CHECK(eng_nps(rating + 2, 1, 1.5, &nps), ENG_STATUS_CONFIG, "level");
    CHECK(eng_wilson(3, 2, 0.95, &share), ENG_STATUS_INVALID_INPUT, "successes");
    CHECK(eng_wilson(0, 0, 0.95, &share), ENG_STATUS_EMPTY_INPUT, "trial");
    uint8_t code = 0;
    CHECK(eng_channel_code("fax", 3, &code), ENG_STATUS_UNKNOWN_LABEL, "fax");
    /* Labels are read with case ignored, spaces trimmed and '-' as '_'; the label back is canonical. */
    CHECK(eng_channel_code(" Mobile-App", 11, &code), ENG_STATUS_OK, NULL);
    CHECK(code == ENG_CHANNEL_MOBILE_APP && strcmp(eng_channel_label(code), "mobile_app") == 0 ? ENG_STATUS_OK
                                                                                                 : ENG_STATUS_PANIC,
          ENG_STATUS_OK, NULL);
    CHECK(eng_kind_code("Survey Response", 15, &code), ENG_STATUS_OK, NULL);
    CHECK(code == ENG_KIND_SURVEY_RESPONSE ? ENG_STATUS_OK : ENG_STATUS_PANIC, ENG_STATUS_OK, NULL);
    CHECK(eng_kind_code("click", 5, NULL), ENG_STATUS_NULL_POINTER, "out_code");
    const uint8_t bad_stage[1] = {42};
    CHECK(eng_next_best_actions_json(customer, bad_stage, 1, NULL, 0, NULL, 0, NULL, 0, &json, NULL),
          ENG_STATUS_INVALID_INPUT, "stage");
    CHECK(eng_simple_clv("{\"average_order_value\": 1}", 26, out), ENG_STATUS_JSON, "purchase_frequency");
    const uint64_t zero_points[1] = {0};
    CHECK(eng_loyalty_json(&(eng_touchpoints){.len = 0}, customer, time, zero_points, 1, 86400, NULL, 0, &json, NULL),
          ENG_STATUS_INVALID_INPUT, "points");
    if (eng_status_name(12345) == NULL || strcmp(eng_status_name(12345), "ENG_STATUS_UNKNOWN") != 0) {
        failed++;
        fprintf(stderr, "FAILED: unknown status name\n");
    }

    /* The last error survives a successful call, and can be read with a tiny buffer. */
    CHECK(eng_wilson(1, 0, 0.95, &share), ENG_STATUS_EMPTY_INPUT, NULL);
    CHECK(eng_wilson(1, 2, 0.95, &share), ENG_STATUS_OK, NULL);
    char tiny[4];
    size_t full = 0;
    CHECK(eng_last_error_message(tiny, sizeof tiny, &full), ENG_STATUS_OK, NULL);
    if (full <= 3 || tiny[3] != '\0') {
        failed++;
        fprintf(stderr, "FAILED: truncated message must be NUL-terminated and report its full length\n");
    }
    /* A failed read is the last error itself, not the previous call's message. */
    CHECK(eng_last_error_message(NULL, 8, &full), ENG_STATUS_NULL_POINTER, "argument buf is NULL");

    /* Lifetime-value models. */
    {
        const char *bg = "{\"model\":\"bg_nbd\",\"r\":0.243,\"alpha\":4.414,\"a\":0.793,\"b\":2.426}";
        const char *gg = "{\"model\":\"gamma_gamma\",\"p\":6.25,\"q\":3.74,\"gamma\":15.44}";
        double f[2] = {2, 0}, r[2] = {30.43, 0}, t[2] = {38.86, 38.86}, out[2];
        double nan_f[2] = {NAN, 0}, late[2] = {40, 0};
        CHECK(eng_clv_p_alive(bg, strlen(bg), f, r, t, 2, out), ENG_STATUS_OK, NULL);
        CHECK(eng_clv_p_alive(NULL, 0, f, r, t, 2, out), ENG_STATUS_JSON, NULL);
        CHECK(eng_clv_p_alive(bg, strlen(bg), f, r, t, 2, NULL), ENG_STATUS_NULL_POINTER, "out");
        {
            char *json = NULL;
            const double holdout[2] = {1.0, -1.0};
            CHECK(eng_clv_period_transactions_json(bg, strlen(bg), f, r, t, NULL, 2, 5, &json, NULL), ENG_STATUS_OK,
                  NULL);
            eng_string_free(json);
            CHECK(eng_clv_period_transactions_json(bg, strlen(bg), f, r, t, NULL, 2, 4, &json, NULL),
                  ENG_STATUS_CONFIG, "max_frequency");
            CHECK(eng_clv_period_transactions_json(bg, strlen(bg), f, NULL, t, NULL, 2, 5, &json, NULL),
                  ENG_STATUS_NULL_POINTER, "recency");
            CHECK(eng_clv_calibration_holdout_json(bg, strlen(bg), f, r, t, NULL, holdout, 2, 39.0, 5, &json, NULL),
                  ENG_STATUS_INVALID_INPUT, "holdout");
            CHECK(eng_clv_calibration_holdout_json(bg, strlen(bg), f, r, t, NULL, NULL, 2, 39.0, 5, &json, NULL),
                  ENG_STATUS_NULL_POINTER, "holdout");
        }
        CHECK(eng_clv_p_alive(bg, strlen(bg), f, NULL, t, 2, out), ENG_STATUS_NULL_POINTER, "recency");
        CHECK(eng_clv_p_alive(gg, strlen(gg), f, r, t, 2, out), ENG_STATUS_CONFIG, "purchase model");
        CHECK(eng_clv_p_alive(bg, strlen(bg), nan_f, r, t, 2, out), ENG_STATUS_INVALID_INPUT, "frequency");
        CHECK(eng_clv_p_alive(bg, strlen(bg), f, late, t, 2, out), ENG_STATUS_INVALID_INPUT, "recency");
        CHECK(eng_clv_conditional_expected_purchases(bg, strlen(bg), -1.0, f, r, t, 2, out), ENG_STATUS_INVALID_INPUT,
              "t");
        CHECK(eng_clv_expected_spend(bg, strlen(bg), f, r, 2, out), ENG_STATUS_CONFIG, "gamma_gamma");
        char *json = NULL;
        CHECK(eng_clv_fit_json("bgnbd", 5, f, r, t, NULL, NULL, 2, NULL, 0, &json, NULL), ENG_STATUS_UNKNOWN_LABEL, "bgnbd");
        CHECK(eng_clv_fit_json("bg_nbd", 6, f, NULL, t, NULL, NULL, 2, NULL, 0, &json, NULL), ENG_STATUS_CONFIG, "recency");
        CHECK(eng_clv_fit_json("gamma_gamma", 11, f, NULL, NULL, NULL, NULL, 2, NULL, 0, &json, NULL), ENG_STATUS_CONFIG,
              "monetary_value");
        CHECK(eng_clv_fit_json("bg_nbd", 6, f, r, t, NULL, NULL, 0, NULL, 0, &json, NULL), ENG_STATUS_EMPTY_INPUT, NULL);
        const char *one = "{\"max_iterations\": 1}";
        CHECK(eng_clv_fit_json("bg_nbd", 6, f, r, t, NULL, NULL, 2, one, strlen(one), &json, NULL), ENG_STATUS_CONVERGENCE,
              NULL);
        CHECK(eng_clv_fit_json("bg_nbd", 6, f, r, t, NULL, NULL, 2, NULL, 0, NULL, NULL), ENG_STATUS_NULL_POINTER, "out_json");
        double neg_w[2] = {1, -1}, half[2] = {1.5, 0}, six[2] = {6, 6}, big[2] = {2, 0};
        CHECK(eng_clv_fit_json("bg_nbd", 6, f, r, t, NULL, neg_w, 2, NULL, 0, &json, NULL), ENG_STATUS_INVALID_INPUT,
              "weights");
        CHECK(eng_clv_fit_json("bg_bb", 5, half, half, six, NULL, NULL, 2, NULL, 0, &json, NULL), ENG_STATUS_INVALID_INPUT,
              "frequency");
        CHECK(eng_clv_probability_of_purchases(bg, strlen(bg), t, half, 2, out), ENG_STATUS_INVALID_INPUT, "x");
        CHECK(eng_clv_probability_of_purchases(gg, strlen(gg), t, big, 2, out), ENG_STATUS_CONFIG, "purchase model");
        double neg_spend[2] = {10, -5};
        const char *a_year = "{\"horizon\": {\"duration\": 52.0}}";
        CHECK(eng_clv_discounted_value(bg, strlen(bg), f, r, t, neg_spend, 2, a_year, strlen(a_year), out),
              ENG_STATUS_INVALID_INPUT, "spend");
        /* The default horizon is 12 months: a model without a unit cannot convert it. */
        CHECK(eng_clv_discounted_value(bg, strlen(bg), f, r, t, big, 2, NULL, 0, out), ENG_STATUS_CONFIG,
              "set the model's unit");
        {
            /* A fit on a summary: bad model, NULL columns, a unit other than the summary's. */
            const uint64_t c3[3] = {1, 1, 2};
            const int64_t t3[3] = {0, 3 * 86400, 86400};
            const char *weekly = "{\"unit\": \"week\"}";
            char *fitted = NULL;
            CHECK(eng_clv_fit_summary_json("bg_nbd", 6, NULL, t3, NULL, 3, 10 * 86400, NULL, 0, NULL, 0, &fitted, NULL),
                  ENG_STATUS_NULL_POINTER, "customer");
            CHECK(eng_clv_fit_summary_json("sbg", 3, c3, t3, NULL, 3, 10 * 86400, NULL, 0, NULL, 0, &fitted, NULL),
                  ENG_STATUS_CONFIG, "fit_retention");
            CHECK(eng_clv_fit_summary_json("bg_nbd", 6, c3, t3, NULL, 3, 10 * 86400, NULL, 0, weekly, strlen(weekly),
                                           &fitted, NULL),
                  ENG_STATUS_CONFIG, "unit");
            CHECK(eng_clv_fit_summary_json("bg_nbd", 6, c3, t3, NULL, 3, 10 * 86400, NULL, 0, NULL, 0, NULL, NULL),
                  ENG_STATUS_NULL_POINTER, "out_json");
        }
        const char *no_periods = "{\"periods\": 0}";
        CHECK(eng_clv_discounted_value(bg, strlen(bg), f, r, t, big, 2, no_periods, strlen(no_periods), out),
              ENG_STATUS_CONFIG, "periods");
        const char *p_alive = "{\"value\":\"p_alive\"}";
        CHECK(eng_clv_frequency_recency_matrix(bg, strlen(bg), p_alive, strlen(p_alive), 0, 1.0, out, 2),
              ENG_STATUS_OK, NULL);
        CHECK(eng_clv_frequency_recency_matrix(bg, strlen(bg), p_alive, strlen(p_alive), 1, 1.0, out, 2),
              ENG_STATUS_LENGTH_MISMATCH, "out");
        CHECK(eng_clv_frequency_recency_matrix(bg, strlen(bg), p_alive, strlen(p_alive), 4000000000u, 1e9, out, 2),
              ENG_STATUS_CONFIG, "10^7");
        CHECK(eng_clv_frequency_recency_matrix(bg, strlen(bg), "{}", 2, 0, 1.0, out, 2), ENG_STATUS_JSON, NULL);
        CHECK(eng_clv_simulate(bg, strlen(bg), t, 2, 7, out, NULL), ENG_STATUS_NULL_POINTER, NULL);
        CHECK(eng_clv_simulate(bg, strlen(bg), t, 2, 7, out, out), ENG_STATUS_OK, NULL);
        CHECK(eng_clv_simulate(bg, strlen(bg), neg_spend, 2, 7, out, out), ENG_STATUS_INVALID_INPUT, "T");
        const char *sbg = "{\"model\":\"sbg\",\"alpha\":0.7,\"beta\":1.2}";
        CHECK(eng_clv_simulate_survivors(sbg, strlen(sbg), 0, 1, 7, out, 2), ENG_STATUS_CONFIG, "cohort");
        CHECK(eng_clv_simulate_survivors(sbg, strlen(sbg), 10, 3, 7, out, 2), ENG_STATUS_LENGTH_MISMATCH, "out");
        CHECK(eng_clv_simulate_spend(bg, strlen(bg), f, 2, 7, out), ENG_STATUS_CONFIG, "gamma_gamma");
    }

    /* A/B experiments. */
    {
        eng_conversion_result conv;
        eng_welch_result welch;
        eng_bayesian_result bayes;
        double n, values[3] = {1, 2, 3}, nan_values[2] = {NAN, 1};
        CHECK(eng_conversion_test(10, 100, 15, 100, 0.95, &conv), ENG_STATUS_OK, NULL);
        CHECK(eng_conversion_test(10, 100, 15, 100, 0.95, NULL), ENG_STATUS_NULL_POINTER, "out_test");
        CHECK(eng_conversion_test(0, 0, 15, 100, 0.95, &conv), ENG_STATUS_EMPTY_INPUT, "control");
        CHECK(eng_conversion_test(101, 100, 15, 100, 0.95, &conv), ENG_STATUS_INVALID_INPUT, "control");
        CHECK(eng_conversion_test(10, 100, 15, 100, NAN, &conv), ENG_STATUS_CONFIG, "level");
        CHECK(eng_welch_test(NULL, 3, values, 3, 0.95, &welch), ENG_STATUS_NULL_POINTER, "control");
        CHECK(eng_welch_test(nan_values, 2, values, 3, 0.95, &welch), ENG_STATUS_INVALID_INPUT, "control");
        CHECK(eng_welch_test(values, 1, values, 3, 0.95, &welch), ENG_STATUS_EMPTY_INPUT, NULL);
        CHECK(eng_bayesian_conversion_test(10, 100, 15, 100, 0.0, 1.0, 0.95, &bayes), ENG_STATUS_CONFIG, "alpha");
        CHECK(eng_bayesian_conversion_test(10, 100, 15, 100, INFINITY, 1.0, 0.95, &bayes), ENG_STATUS_CONFIG, NULL);
        CHECK(eng_sample_size_two_proportions(0.1, 0.0, 0.05, 0.8, &n), ENG_STATUS_CONFIG, "minimum_detectable_effect");
        CHECK(eng_sample_size_two_proportions(0.1, 0.02, 0.05, 0.01, &n), ENG_STATUS_CONFIG, "power");
        CHECK(eng_power_two_proportions(0.1, 0.02, -5, 0.05, &n), ENG_STATUS_CONFIG, "n_per_group");
        CHECK(eng_power_two_proportions(0.1, 0.02, 100, 0.05, NULL), ENG_STATUS_NULL_POINTER, "out_power");
    }

    /* Experiment readouts, the sample-ratio check, p-value corrections. */
    {
        uint32_t arm[4] = {0, 0, 1, 1}, bad_arm[4] = {0, 0, 1, 7};
        double y[4] = {1, 2, 3, 5}, nan_y[4] = {1, NAN, 3, 5}, p[3] = {0.01, 0.2, 0.03}, bad_p[2] = {0.1, 1.5};
        double adjusted[3], expected[2], weights[2] = {1, -1};
        uint64_t counts[2] = {100, 120}, none[2] = {0, 0};
        const char *names = "[\"control\", \"b\"]", *arms = "[{\"name\": \"a\", \"count\": 10, \"main_sum\": 4, "
                            "\"main_sum_squares\": 1}, {\"name\": \"b\", \"count\": 10, \"main_sum\": 5, "
                            "\"main_sum_squares\": 9}]";
        char *json = NULL;
        eng_srm_result srm;
        CHECK(eng_readout_json(arm, y, NULL, NULL, NULL, 4, names, strlen(names), NULL, 0, &json, NULL), ENG_STATUS_OK,
              NULL);
        eng_string_free(json);
        CHECK(eng_readout_json(NULL, y, NULL, NULL, NULL, 4, names, strlen(names), NULL, 0, &json, NULL),
              ENG_STATUS_NULL_POINTER, "arm");
        CHECK(eng_readout_json(arm, y, NULL, NULL, NULL, 4, NULL, 0, NULL, 0, &json, NULL), ENG_STATUS_JSON,
              "arm_names_json is empty");
        CHECK(eng_readout_json(arm, y, NULL, NULL, NULL, 4, NULL, 5, NULL, 0, &json, NULL), ENG_STATUS_NULL_POINTER,
              "arm_names_json");
        CHECK(eng_readout_json(arm, y, NULL, NULL, NULL, 4, names, strlen(names), NULL, 0, NULL, NULL),
              ENG_STATUS_NULL_POINTER, "out_json");
        CHECK(eng_readout_json(bad_arm, y, NULL, NULL, NULL, 4, names, strlen(names), NULL, 0, &json, NULL),
              ENG_STATUS_INVALID_INPUT, "row 3");
        CHECK(eng_readout_json(arm, nan_y, NULL, NULL, NULL, 4, names, strlen(names), NULL, 0, &json, NULL),
              ENG_STATUS_INVALID_INPUT, "row 1");
        CHECK(eng_readout_json(arm, y, y, NULL, NULL, 4, names, strlen(names), NULL, 0, &json, NULL),
              ENG_STATUS_INVALID_INPUT, "ratio");
        CHECK(eng_readout_json(arm, y, NULL, NULL, NULL, 4, names, strlen(names), "{\"control\": \"z\"}", 16, &json,
                               NULL),
              ENG_STATUS_UNKNOWN_LABEL, "control");
        CHECK(eng_readout_json(arm, y, NULL, NULL, NULL, 3, names, strlen(names), NULL, 0, &json, NULL),
              ENG_STATUS_INVALID_INPUT, "has 1 unit");
        CHECK(eng_readout_sums_json(arms, strlen(arms), NULL, 0, &json, NULL), ENG_STATUS_INVALID_INPUT,
              "main_sum_squares");
        CHECK(eng_readout_sums_json(NULL, 0, NULL, 0, &json, NULL), ENG_STATUS_JSON, NULL);
        CHECK(eng_readout_sums_json(NULL, 3, NULL, 0, &json, NULL), ENG_STATUS_NULL_POINTER, "arms_json");
        CHECK(eng_srm_test(counts, NULL, 2, &srm, expected), ENG_STATUS_OK, NULL);
        CHECK(eng_srm_test(counts, weights, 2, &srm, NULL), ENG_STATUS_INVALID_INPUT, "row 1");
        CHECK(eng_srm_test(none, NULL, 2, &srm, NULL), ENG_STATUS_EMPTY_INPUT, NULL);
        CHECK(eng_srm_test(counts, NULL, 1, &srm, NULL), ENG_STATUS_INVALID_INPUT, "two arms");
        CHECK(eng_srm_test(counts, NULL, 2, NULL, NULL), ENG_STATUS_NULL_POINTER, "out_test");
        CHECK(eng_adjust_p_values(p, 3, "holm", 4, adjusted), ENG_STATUS_OK, NULL);
        CHECK(eng_adjust_p_values(p, 3, "fdr", 3, adjusted), ENG_STATUS_UNKNOWN_LABEL, "benjamini_hochberg");
        CHECK(eng_adjust_p_values(bad_p, 2, "holm", 4, adjusted), ENG_STATUS_INVALID_INPUT, "row 1");
        CHECK(eng_adjust_p_values(p, 0, "holm", 4, adjusted), ENG_STATUS_EMPTY_INPUT, NULL);
        CHECK(eng_adjust_p_values(p, 3, "holm", 4, NULL), ENG_STATUS_NULL_POINTER, "out");
        CHECK(eng_adjust_p_values(p, 3, "\xff", 1, adjusted), ENG_STATUS_INVALID_UTF8, "correction");
        /* From touchpoints: customers 1-4, arms 0 1 0 1, purchases of 2, 3 and 4. */
        uint64_t tc[3] = {2, 3, 4}, ac[4] = {1, 2, 3, 4}, twice[4] = {1, 2, 2, 4};
        int64_t tt[3] = {86400, 172800, 86400}, at[4] = {0, 0, 0, 0};
        uint8_t tch[3] = {1, 1, 1}, tki[3] = {4, 4, 4};
        double tv[3] = {10, 5, 20};
        uint32_t aa[4] = {0, 1, 0, 1};
        const char *spec = "{\"metrics\": [{\"name\": \"revenue\", \"measure\": {\"type\": \"value\", "
                           "\"match\": {\"kinds\": [\"purchase\"]}}}]}";
        const char *no_metrics = "{\"metrics\": []}";
        CHECK(eng_experiment_readout_json(&(eng_touchpoints){.len = 3, .customer = tc, .time = tt, .channel = tch, .kind = tki, .value = tv},
                                          ac, aa, at, 4, names, strlen(names), spec, strlen(spec), &json, NULL),
              ENG_STATUS_OK, NULL);
        eng_string_free(json);
        CHECK(eng_experiment_readout_json(&(eng_touchpoints){.len = 3, .customer = tc, .time = tt, .channel = tch, .kind = tki, .value = tv},
                                          twice, aa, at, 4, names, strlen(names), spec, strlen(spec), &json, NULL),
              ENG_STATUS_INVALID_INPUT, "assigned once");
        CHECK(eng_experiment_readout_json(&(eng_touchpoints){.len = 3, .customer = tc, .time = tt, .channel = tch, .kind = tki, .value = tv},
                                          ac, aa, at, 4, names, strlen(names), no_metrics, strlen(no_metrics), &json,
                                          NULL),
              ENG_STATUS_CONFIG, "metrics");
        CHECK(eng_experiment_readout_json(&(eng_touchpoints){.len = 3, .customer = tc, .time = tt, .channel = tch, .kind = tki, .value = tv},
                                          ac, NULL, at, 4, names, strlen(names), spec, strlen(spec), &json, NULL),
              ENG_STATUS_NULL_POINTER, "assigned_arm");
        CHECK(eng_experiment_readout_json(&(eng_touchpoints){.len = 3, .customer = tc, .time = tt, .channel = tch, .kind = tki, .value = tv},
                                          ac, aa, at, 4, names, strlen(names), NULL, 0, &json, NULL),
              ENG_STATUS_JSON, "spec_json");
    }

    /* Retention curves. */
    {
        double d[3] = {1, 2, 3}, bad_d[3] = {1, -2, 3};
        uint8_t o[3] = {1, 0, 1}, bad_o[3] = {1, 2, 1};
        char *json = NULL;
        eng_logrank_result lr;
        CHECK(eng_kaplan_meier_json(d, o, 3, 0.95, &json, NULL), ENG_STATUS_OK, NULL);
        eng_string_free(json);
        CHECK(eng_kaplan_meier_json(d, bad_o, 3, 0.95, &json, NULL), ENG_STATUS_INVALID_INPUT, "observed");
        CHECK(eng_kaplan_meier_json(bad_d, o, 3, 0.95, &json, NULL), ENG_STATUS_INVALID_INPUT, "duration");
        CHECK(eng_kaplan_meier_json(NULL, o, 3, 0.95, &json, NULL), ENG_STATUS_NULL_POINTER, "duration");
        CHECK(eng_kaplan_meier_json(d, o, 0, 0.95, &json, NULL), ENG_STATUS_EMPTY_INPUT, NULL);
        CHECK(eng_kaplan_meier_json(d, o, 3, 0.95, NULL, NULL), ENG_STATUS_NULL_POINTER, "out_json");
        CHECK(eng_logrank_test(d, o, 3, d, o, 3, &lr), ENG_STATUS_OK, NULL);
        CHECK(eng_logrank_test(d, o, 3, d, o, 3, NULL), ENG_STATUS_NULL_POINTER, "out_test");
        eng_rmst_result rm;
        eng_rmst_difference_result rd;
        CHECK(eng_rmst(d, o, 3, 2.5, 0.95, &rm), ENG_STATUS_OK, NULL);
        CHECK(eng_rmst(d, o, 3, 4.0, 0.95, &rm), ENG_STATUS_INVALID_INPUT, "longest duration");
        CHECK(eng_rmst(d, o, 3, -1.0, 0.95, &rm), ENG_STATUS_CONFIG, "tau");
        CHECK(eng_rmst(bad_d, o, 3, 1.0, 0.95, &rm), ENG_STATUS_INVALID_INPUT, "row 1");
        CHECK(eng_rmst(d, bad_o, 3, 1.0, 0.95, &rm), ENG_STATUS_INVALID_INPUT, "row 1");
        CHECK(eng_rmst(d, o, 3, 1.0, 0.95, NULL), ENG_STATUS_NULL_POINTER, "out_result");
        CHECK(eng_rmst_difference(d, o, 3, d, o, 3, 2.0, 0.95, &rd), ENG_STATUS_OK, NULL);
        CHECK(eng_rmst_difference(d, o, 3, d, o, 0, 2.0, 0.95, &rd), ENG_STATUS_EMPTY_INPUT, NULL);
        CHECK(eng_rmst_difference(NULL, o, 3, d, o, 3, 2.0, 0.95, &rd), ENG_STATUS_NULL_POINTER, "duration_a");
    }

    /* Cox proportional hazards. */
    {
        double d[8] = {1, 2, 3, 4, 5, 6, 7, 8}, x[8] = {3, 1, 4, 1, 5, 9, 2, 6}, sep[8] = {8, 7, 6, 5, 4, 3, 2, 1};
        double nan_x[8] = {3, NAN, 4, 1, 5, 9, 2, 6};
        double times[2] = {2, 4}, ph[8], sf[16];
        uint8_t o[8] = {1, 1, 0, 1, 1, 0, 1, 1}, bad_o[8] = {1, 2, 0, 1, 1, 0, 1, 1};
        uint8_t all_o[8] = {1, 1, 1, 1, 1, 1, 1, 1}, none_o[8] = {0};
        uint32_t ch[8] = {0, 1, 1, 0, 1, 0, 0, 1}, bad_ch[8] = {0, 1, 2, 0, 1, 0, 0, 1};
        const char *cols = "{\"numeric\": [\"x\"]}";
        const char *cat_cols = "{\"numeric\": [\"x\"], \"categorical\": [{\"name\": \"ch\", \"levels\": [\"a\", \"b\"]}]}";
        const char *bad_ref = "{\"numeric\": [\"x\"], \"categorical\": [{\"name\": \"ch\", \"levels\": [\"a\", \"b\"], \"reference\": \"c\"}]}";
        const char *other_levels = "{\"numeric\": [\"x\"], \"categorical\": [{\"name\": \"ch\", \"levels\": [\"a\", \"z\"]}]}";
        const char *breslow = "{\"ties\": \"breslow\"}";
        char *model = NULL;
        CHECK(eng_cox_json(d, o, 8, x, 1, ch, 1, NULL, NULL, cat_cols, strlen(cat_cols), breslow, strlen(breslow), &model,
                           NULL),
              ENG_STATUS_OK, NULL);
        CHECK(eng_cox_predict(model, strlen(model), x, 1, ch, 1, NULL, 8, cat_cols, strlen(cat_cols), times, 2, ph, sf),
              ENG_STATUS_OK, NULL);
        CHECK(eng_cox_predict(model, strlen(model), x, 1, ch, 1, NULL, 8, other_levels, strlen(other_levels), times, 2,
                              ph, sf),
              ENG_STATUS_UNKNOWN_LABEL, "\"z\"");
        CHECK(eng_cox_predict(model, strlen(model), x, 1, NULL, 0, NULL, 8, cols, strlen(cols), times, 2, ph, sf),
              ENG_STATUS_CONFIG, "ch");
        CHECK(eng_cox_predict("{}", 2, x, 1, NULL, 0, NULL, 8, cols, strlen(cols), times, 2, ph, sf), ENG_STATUS_JSON,
              NULL);
        eng_string_free(model);
        model = NULL;
        CHECK(eng_cox_json(d, all_o, 8, sep, 1, NULL, 0, NULL, NULL, cols, strlen(cols),
                           NULL, 0, &model, NULL),
              ENG_STATUS_CONVERGENCE, "grows without bound");
        CHECK(eng_cox_json(d, o, 8, nan_x, 1, NULL, 0, NULL, NULL, cols, strlen(cols), NULL, 0, &model, NULL),
              ENG_STATUS_INVALID_INPUT, "row 1");
        CHECK(eng_cox_json(d, bad_o, 8, x, 1, NULL, 0, NULL, NULL, cols, strlen(cols), NULL, 0, &model, NULL),
              ENG_STATUS_INVALID_INPUT, "row 1");
        CHECK(eng_cox_json(d, o, 8, x, 1, bad_ch, 1, NULL, NULL, cat_cols, strlen(cat_cols), NULL, 0, &model, NULL),
              ENG_STATUS_INVALID_INPUT, "row 2");
        CHECK(eng_cox_json(d, o, 8, x, 1, ch, 1, NULL, NULL, bad_ref, strlen(bad_ref), NULL, 0, &model, NULL),
              ENG_STATUS_UNKNOWN_LABEL, "reference");
        CHECK(eng_cox_json(d, o, 8, x, 1, NULL, 0, NULL, NULL, cat_cols, strlen(cat_cols), NULL, 0, &model, NULL),
              ENG_STATUS_LENGTH_MISMATCH, "categorical");
        CHECK(eng_cox_json(d, none_o, 8, x, 1, NULL, 0, NULL, NULL, cols, strlen(cols),
                           NULL, 0, &model, NULL),
              ENG_STATUS_EMPTY_INPUT, "event");
        CHECK(eng_cox_json(d, o, 8, x, 1, NULL, 0, NULL, NULL, NULL, 0, NULL, 0, &model, NULL), ENG_STATUS_JSON,
              "columns_json");
        CHECK(eng_cox_json(d, o, 8, NULL, 1, NULL, 0, NULL, NULL, cols, strlen(cols), NULL, 0, &model, NULL),
              ENG_STATUS_NULL_POINTER, "numeric");
        CHECK(eng_cox_json(d, o, 8, x, 1, NULL, 0, NULL, NULL, cols, strlen(cols), NULL, 0, NULL, NULL),
              ENG_STATUS_NULL_POINTER, "out_json");
        CHECK(eng_cox_json(d, o, 8, x, SIZE_MAX, NULL, 0, NULL, NULL, cols, strlen(cols), NULL, 0, &model, NULL),
              ENG_STATUS_INVALID_INPUT, "numeric");
    }

    /* Attribution. */
    {
        const char *table = "{\"paths\": [\"a > b\", \"b\"], \"conversions\": [1, 1], \"nulls\": [0, 1]}";
        const char *bad_table = "{\"paths\": [\"a >  > b\"], \"conversions\": [1]}";
        const char *order9 = "{\"rule\": \"markov\", \"order\": 9}";
        char *json = NULL;
        CHECK(eng_attribute_json(table, strlen(table), NULL, 0, &json, NULL), ENG_STATUS_OK, NULL);
        eng_string_free(json);
        CHECK(eng_attribute_json(table, strlen(table), order9, strlen(order9), &json, NULL), ENG_STATUS_CONFIG, "order");
        CHECK(eng_attribute_json(bad_table, strlen(bad_table), NULL, 0, &json, NULL), ENG_STATUS_INVALID_INPUT, "paths");
        CHECK(eng_attribute_json(NULL, 0, NULL, 0, &json, NULL), ENG_STATUS_JSON, NULL);
        CHECK(eng_attribute_json("{\"paths\": 3}", 13, NULL, 0, &json, NULL), ENG_STATUS_JSON, NULL);
        CHECK(eng_attribute_json(table, strlen(table), NULL, 0, NULL, NULL), ENG_STATUS_NULL_POINTER, "out_json");
    }

    /* Cohorts. */
    {
        uint64_t c[2] = {1, 2};
        int64_t t[2] = {0, 86400};
        double v[2] = {1, -1};
        char *json = NULL;
        const char *bad_period = "{\"period\": \"year\"}";
        CHECK(eng_cohorts_json(c, t, NULL, 2, 86400, NULL, 0, &json, NULL), ENG_STATUS_OK, NULL);
        eng_string_free(json);
        CHECK(eng_cohorts_json(c, t, v, 2, 86400, NULL, 0, &json, NULL), ENG_STATUS_INVALID_INPUT, "value");
        CHECK(eng_cohorts_json(c, t, NULL, 2, -1, NULL, 0, &json, NULL), ENG_STATUS_EMPTY_INPUT, NULL);
        CHECK(eng_cohorts_json(c, t, NULL, 2, 86400, bad_period, strlen(bad_period), &json, NULL), ENG_STATUS_JSON,
              NULL);
        CHECK(eng_cohorts_json(c, NULL, NULL, 2, 86400, NULL, 0, &json, NULL), ENG_STATUS_NULL_POINTER, "time");
    }

    /* Journey sequences and stage transitions. */
    {
        uint64_t c[3] = {1, 1, 2};
        int64_t t[3] = {0, 1, 0};
        uint8_t ch[3] = {0, 1, 0}, k[3] = {1, 3, 1}, bad_ch[3] = {0, 99, 0}, st[3] = {0, 2, 0}, bad_st[3] = {0, 42, 0};
        char *json = NULL;
        const char *zero = "{\"steps\": 0}";
        CHECK(eng_journey_sequences_json(&(eng_touchpoints){.len = 3, .customer = c, .time = t, .channel = ch, .kind = k},
                                         NULL, 0, &json, NULL), ENG_STATUS_OK, NULL);
        eng_string_free(json);
        CHECK(eng_journey_sequences_json(&(eng_touchpoints){.len = 3, .customer = c, .time = t, .channel = bad_ch, .kind = k},
                                         NULL, 0, &json, NULL), ENG_STATUS_INVALID_INPUT, "channel");
        CHECK(eng_journey_sequences_json(&(eng_touchpoints){.len = 3, .customer = c, .time = t, .channel = ch, .kind = k},
                                         zero, strlen(zero), &json, NULL), ENG_STATUS_CONFIG, "steps");
        CHECK(eng_journey_sequences_json(&(eng_touchpoints){.len = 3, .customer = c, .channel = ch, .kind = k}, NULL,
                                         0, &json, NULL), ENG_STATUS_NULL_POINTER, "time");
        CHECK(eng_stage_transitions_json(c, st, t, 3, &json, NULL), ENG_STATUS_OK, NULL);
        eng_string_free(json);
        CHECK(eng_stage_transitions_json(c, bad_st, t, 3, &json, NULL), ENG_STATUS_INVALID_INPUT, "stage");
    }

    /* Funnels. */
    {
        uint64_t c[2] = {1, 1};
        int64_t t[2] = {0, 60};
        uint8_t ch[2] = {1, 1}, k[2] = {3, 4};
        char *json = NULL;
        const char *f = "{\"steps\": [{\"name\": \"visit\", \"kinds\": [\"visit\"]}]}";
        const char *no_steps = "{\"steps\": []}";
        CHECK(eng_funnel_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k}, f,
                              strlen(f), &json, NULL), ENG_STATUS_OK, NULL);
        eng_string_free(json);
        CHECK(eng_funnel_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                              no_steps, strlen(no_steps), &json, NULL), ENG_STATUS_CONFIG, "steps");
        CHECK(eng_funnel_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k}, NULL,
                              0, &json, NULL), ENG_STATUS_JSON, NULL);
        CHECK(eng_funnel_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k}, "{",
                              1, &json, NULL), ENG_STATUS_JSON, NULL);
        {
            const uint64_t gc[2] = {c[0], c[0]};
            const uint32_t g[2] = {0, 0};
            const char *labels = "[\"a\"]";
            CHECK(eng_funnel_by_group_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                           f, strlen(f), NULL, g, 1, labels, strlen(labels), &json, NULL),
                  ENG_STATUS_NULL_POINTER, "group_customer");
            CHECK(eng_funnel_by_group_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                           f, strlen(f), gc, g, 2, labels, strlen(labels), &json, NULL),
                  ENG_STATUS_INVALID_INPUT, "listed twice");
            CHECK(eng_funnel_by_group_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                           f, strlen(f), gc, g, 1, "[1]", 3, &json, NULL),
                  ENG_STATUS_JSON, NULL);
            CHECK(eng_funnel_by_group_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                           f, strlen(f), gc, g, 1, labels, strlen(labels), &json, NULL),
                  ENG_STATUS_OK, NULL);
            eng_string_free(json);
            CHECK(eng_funnel_by_first_touch_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                                 f, strlen(f), "\"first_channel\"", 15, &json, NULL),
                  ENG_STATUS_JSON, NULL);
            {
                const char *staged = "{\"steps\": [{\"name\": \"visit\", \"kinds\": [\"visit\"]}, "
                                     "{\"name\": \"loyal\", \"stages\": [\"loyal\"]}]}";
                const uint64_t camp[2] = {1, 2};
                const uint8_t bad_stage[1] = {99};
                const int64_t at[1] = {0};
                CHECK(eng_funnel_with_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                           NULL, NULL, NULL, 0, staged, strlen(staged), &json, NULL),
                      ENG_STATUS_CONFIG, "stage history");
                CHECK(eng_funnel_with_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k, .campaign = camp},
                                           c, bad_stage, at, 1, staged, strlen(staged), &json, NULL),
                      ENG_STATUS_INVALID_INPUT, "stage");
                CHECK(eng_funnel_with_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k, .campaign = camp},
                                           c, NULL, at, 1, staged, strlen(staged), &json, NULL),
                      ENG_STATUS_NULL_POINTER, "stage");
                /* An empty stage history is a history: nobody enters a stage. */
                CHECK(eng_funnel_with_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k, .campaign = camp},
                                           c, NULL, NULL, 0, staged, strlen(staged), &json, NULL),
                      ENG_STATUS_OK, NULL);
                eng_string_free(json);
            }
            CHECK(eng_funnel_by_first_touch_json(&(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                                 f, strlen(f), "{\"cohort\": \"week\"}", 18, &json, NULL),
                  ENG_STATUS_OK, NULL);
            eng_string_free(json);
        }
    }

    /* Trigger engines: bad rules, NULL arguments, late events that change nothing. */
    {
        const char *rules = "{\"rules\": [{\"name\": \"cart\", \"action\": \"remind\", "
                            "\"when\": {\"type\": \"abandoned_cart\", \"wait\": 60}}]}";
        const char *zero_wait = "{\"rules\": [{\"name\": \"cart\", \"action\": \"remind\", "
                                "\"when\": {\"type\": \"abandoned_cart\", \"wait\": 0}}]}";
        const char *unknown = "{\"rules\": [{\"name\": \"b\", \"action\": \"a\", \"when\": {\"type\": \"birthday\"}}]}";
        eng_triggers *tr = NULL;
        char *json = NULL;
        size_t len = 0;
        uint64_t pending = 0, customers = 0;
        const uint64_t c[2] = {1, 2};
        const int64_t t[2] = {100, 50}, late[1] = {10};
        const uint8_t ch[2] = {ENG_CHANNEL_WEB, ENG_CHANNEL_WEB}, k[2] = {ENG_KIND_CART_ADD, ENG_KIND_CART_ADD};
        const uint8_t bad_kind[1] = {200};
        CHECK(eng_triggers_new(NULL, 0, &tr), ENG_STATUS_JSON, NULL);
        CHECK(eng_triggers_new(rules, strlen(rules), NULL), ENG_STATUS_NULL_POINTER, "out_triggers");
        CHECK(eng_triggers_new(zero_wait, strlen(zero_wait), &tr), ENG_STATUS_CONFIG, "wait");
        CHECK(eng_triggers_new(unknown, strlen(unknown), &tr), ENG_STATUS_JSON, "birthday");
        CHECK(eng_triggers_new("\xff", 1, &tr), ENG_STATUS_INVALID_UTF8, NULL);
        CHECK(eng_triggers_new(rules, strlen(rules), &tr), ENG_STATUS_OK, NULL);
        CHECK(eng_triggers_push_json(NULL,
                                     &(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                     &json, NULL), ENG_STATUS_NULL_POINTER,
              "triggers");
        CHECK(eng_triggers_push_json(tr,
                                     &(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                     NULL, NULL), ENG_STATUS_NULL_POINTER,
              "out_json");
        CHECK(eng_triggers_push_json(tr, &(eng_touchpoints){.len = 2, .time = t, .channel = ch, .kind = k}, &json,
                                     NULL), ENG_STATUS_NULL_POINTER,
              "customer");
        CHECK(eng_triggers_push_json(tr,
                                     &(eng_touchpoints){.len = 1, .customer = c, .time = t, .channel = ch, .kind = bad_kind},
                                     &json, NULL),
              ENG_STATUS_INVALID_INPUT, "kind");
        /* Sorted within the batch: customer 2 (t = 50) comes first. */
        CHECK(eng_triggers_push_json(tr,
                                     &(eng_touchpoints){.len = 2, .customer = c, .time = t, .channel = ch, .kind = k},
                                     &json, &len), ENG_STATUS_OK, NULL);
        if (strcmp(json, "[]") != 0) {
            printf("FAIL  triggers: nothing is due yet, got %s\n", json);
            failed++;
        }
        eng_string_free(json);
        CHECK(eng_triggers_push_json(tr,
                                     &(eng_touchpoints){.len = 1, .customer = c, .time = late, .channel = ch, .kind = k},
                                     &json, NULL), ENG_STATUS_INVALID_INPUT,
              "time order");
        CHECK(eng_triggers_advance_json(tr, 99, &json, NULL), ENG_STATUS_INVALID_INPUT, "clock");
        CHECK(eng_triggers_counts(tr, &customers, &pending, NULL), ENG_STATUS_OK, NULL);
        if (customers != 2 || pending != 2) {
            printf("FAIL  triggers: a rejected call changed the engine (%llu customers, %llu pending)\n",
                   (unsigned long long)customers, (unsigned long long)pending);
            failed++;
        }
        CHECK(eng_triggers_counts(NULL, &customers, NULL, NULL), ENG_STATUS_NULL_POINTER, "triggers");
        CHECK(eng_triggers_advance_json(tr, 1000, &json, NULL), ENG_STATUS_OK, NULL);
        if (!strstr(json, "\"due\":110") || !strstr(json, "\"due\":160")) {
            printf("FAIL  triggers: expected reminders due at 110 and 160, got %s\n", json);
            failed++;
        }
        eng_string_free(json);
        eng_triggers_free(tr);
        eng_triggers_free(NULL);
    }

    /* Partials: NULLs, bad specs, corrupt bytes, mismatched merges, small buffers; failures change nothing. */
    {
        const char *spec = "{\"kind\": \"profiles\"}", *paths = "{\"kind\": \"paths\", \"lookback\": 60}";
        eng_partial *a = NULL, *b = NULL, *c = NULL;
        CHECK(eng_partial_new(spec, strlen(spec),
                              &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale},
                              NULL),
              ENG_STATUS_NULL_POINTER, "out_partial");
        CHECK(eng_partial_new(NULL, 4,
                              &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale},
                              &a),
              ENG_STATUS_NULL_POINTER, "spec_json");
        CHECK(eng_partial_new("{\"kind\": \"all\"}", 15, &(eng_touchpoints){.len = 0}, &a),
              ENG_STATUS_JSON, "all");
        const char *zero = "{\"kind\": \"paths\", \"lookback\": 0}";
        CHECK(eng_partial_new(zero, strlen(zero), &(eng_touchpoints){.len = 0}, &a),
              ENG_STATUS_CONFIG, "lookback");
        CHECK(eng_partial_new(spec, strlen(spec),
                              &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = negative, .rating = rating, .rating_scale = scale},
                              &a),
              ENG_STATUS_INVALID_INPUT, "value");
        CHECK(eng_partial_new(spec, strlen(spec),
                              &(eng_touchpoints){.len = 3, .customer = customer, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale},
                              &a),
              ENG_STATUS_NULL_POINTER, "time");
        CHECK(eng_partial_new(spec, strlen(spec),
                              &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale},
                              &a),
              ENG_STATUS_OK, NULL);
        CHECK(eng_partial_new(paths, strlen(paths), &(eng_touchpoints){.len = 0}, &b), ENG_STATUS_OK,
              NULL);
        CHECK(eng_partial_merge(a, b), ENG_STATUS_INCOMPATIBLE, "different specs");
        CHECK(eng_partial_merge(a, a), ENG_STATUS_INCOMPATIBLE, "itself");
        CHECK(eng_partial_merge(NULL, b), ENG_STATUS_NULL_POINTER, "partial");
        CHECK(eng_partial_merge(a, NULL), ENG_STATUS_NULL_POINTER, "other");
        CHECK(eng_partial_attribute_json(a, NULL, 0, &(char *){NULL}, NULL), ENG_STATUS_INCOMPATIBLE, "paths");
        char *json = NULL;
        CHECK(eng_partial_result_json(b, &json, NULL), ENG_STATUS_EMPTY_INPUT, NULL);
        size_t len = 0;
        CHECK(eng_partial_to_bytes(a, NULL, 0, NULL), ENG_STATUS_NULL_POINTER, "out_len");
        CHECK(eng_partial_to_bytes(a, NULL, 0, &len), ENG_STATUS_BUFFER_TOO_SMALL, NULL);
        uint8_t *bytes = malloc(len);
        size_t got = 0;
        CHECK(eng_partial_to_bytes(a, bytes, len, &got), ENG_STATUS_OK, NULL);
        CHECK(eng_partial_from_bytes(bytes, len - 1, &c), ENG_STATUS_CORRUPT, "truncated");
        bytes[len - 1] ^= 1;
        CHECK(eng_partial_from_bytes(bytes, len, &c), ENG_STATUS_CORRUPT, "checksum");
        bytes[len - 1] ^= 1;
        bytes[0] = 'X';
        CHECK(eng_partial_from_bytes(bytes, len, &c), ENG_STATUS_CORRUPT, "ENGP");
        bytes[0] = 'E';
        CHECK(eng_partial_from_bytes(NULL, 5, &c), ENG_STATUS_NULL_POINTER, "bytes");
        CHECK(eng_partial_from_bytes(bytes, len, &c), ENG_STATUS_OK, NULL);
        CHECK(eng_partial_from_json("{\"format\": 9}", 13, &b), ENG_STATUS_JSON, NULL);
        /* The same push twice into one store equals the merged partial of two copies. */
        CHECK(eng_partial_merge(a, c), ENG_STATUS_OK, NULL);
        eng_profile_store *merged = NULL;
        CHECK(eng_profile_store_from_partial(b, NULL, 0, &merged), ENG_STATUS_INCOMPATIBLE, "profiles");
        const char *weekly = "{\"signals\": {\"half_life_days\": 7}}";
        CHECK(eng_profile_store_from_partial(a, weekly, strlen(weekly), &merged),
              ENG_STATUS_INCOMPATIBLE, "signal");
        CHECK(eng_profile_store_from_partial(a, NULL, 0, &merged), ENG_STATUS_OK, NULL);
        size_t customers = 0;
        CHECK(eng_profile_store_len(merged, &customers), ENG_STATUS_OK, NULL);
        if (customers != 2) {
            printf("FAIL  partial: expected 2 customers in the merged store, got %zu\n", customers);
            failed++;
        }
        eng_profile_store_free(merged);
        free(bytes);
        eng_partial_free(a);
        eng_partial_free(b);
        eng_partial_free(c);
        eng_partial_free(NULL);
    }

    /* The rest of the entry points: a bad argument each, with its documented status. */
    {
        uint8_t code = 0;
        CHECK(eng_channel_code_mapped("{", 1, "web", 3, &code), ENG_STATUS_JSON, NULL);
        CHECK(eng_channel_code_mapped(NULL, 0, "web", 3, NULL), ENG_STATUS_NULL_POINTER, "out_code");
        CHECK(eng_kind_code_mapped(NULL, 0, "fax", 3, &code), ENG_STATUS_UNKNOWN_LABEL, "fax");
        if (eng_channel_label(200) != NULL || eng_kind_label(200) != NULL ||
            strcmp(eng_channel_label(ENG_CHANNEL_WEB), "web") != 0 || strcmp(eng_kind_label(ENG_KIND_CLICK), "click") != 0) {
            failed++;
            fprintf(stderr, "FAILED: labels of codes out of range must be NULL\n");
        } else {
            passed++;
        }
        eng_churn_summary churn;
        CHECK(eng_churn_between(&(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale},
                                864000, NULL, 0, 5, 5, 0.95, &churn),
              ENG_STATUS_INVALID_INPUT, "end");
        CHECK(eng_churn_between(&(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale},
                                864000, NULL, 0, 0, 5, 0.95, NULL),
              ENG_STATUS_NULL_POINTER, "out_summary");
        double ratio = 0;
        CHECK(eng_ltv_to_cac(1.3e301, 1.4e-299, &ratio), ENG_STATUS_INVALID_INPUT, "overflows");
        CHECK(eng_ltv_to_cac(300.0, 0.0, &ratio), ENG_STATUS_CONFIG, "cac");
        {
            const double theta[2] = {0.243, 4.414}, se[2] = {0.0125, 0.378}, bad_se[2] = {0.0125, -1.0};
            double low[2], high[2];
            CHECK(eng_clv_parameter_intervals(theta, se, 2, 1.0, low, high), ENG_STATUS_CONFIG, "level");
            CHECK(eng_clv_parameter_intervals(theta, bad_se, 2, 0.95, low, high), ENG_STATUS_INVALID_INPUT,
                  "standard_errors");
            CHECK(eng_clv_parameter_intervals(NULL, se, 2, 0.95, low, high), ENG_STATUS_NULL_POINTER, "params");
            CHECK(eng_clv_parameter_intervals(theta, se, 2, 0.95, low, NULL), ENG_STATUS_NULL_POINTER, "out_high");
        }
        eng_nps_summary counts;
        CHECK(eng_nps_counts(UINT64_MAX, 1, 0, 0.95, &counts), ENG_STATUS_INVALID_INPUT, NULL);
        CHECK(eng_nps_counts(5, 1, 0, 2.0, &counts), ENG_STATUS_CONFIG, "level");
        CHECK(eng_partial_to_json(NULL, &json, NULL), ENG_STATUS_NULL_POINTER, "partial");
        CHECK(eng_profile_store_add_customer_json(store, "{", 1), ENG_STATUS_JSON, NULL);
        CHECK(eng_profile_store_add_customer_json(store, "\xff", 1), ENG_STATUS_INVALID_UTF8, NULL);
        CHECK(eng_profile_store_nps(store, 1.5, &counts), ENG_STATUS_CONFIG, "level");
        eng_proportion share;
        CHECK(eng_profile_store_csat(NULL, 0.95, &share), ENG_STATUS_NULL_POINTER, "store");
        CHECK(eng_profile_store_repeat_rate(store, 0.95, NULL), ENG_STATUS_NULL_POINTER, NULL);
        CHECK(eng_profile_store_purchase_summary_json(store, NULL, NULL), ENG_STATUS_NULL_POINTER, "out_json");
        eng_profile_store *empty = NULL;
        CHECK(eng_profile_store_new(NULL, 0, &empty), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_purchase_summary_json(empty, &json, NULL), ENG_STATUS_EMPTY_INPUT, NULL);
        eng_profile_store_free(empty);
        uint8_t r[4], f[4], m[4], sc[4];
        uint16_t code16[4], seg[4];
        CHECK(eng_profile_store_rfm(store, 5, NULL, 0, ids, r, f, m, code16, sc, seg, 4, &n), ENG_STATUS_AS_OF_BEFORE_DATA,
              "as_of");
        CHECK(eng_profile_store_rfm(store, 864000, "{\"segmentz\": 1}", 15, ids, r, f, m, code16, sc, seg, 4, &n),
              ENG_STATUS_JSON, "segmentz");
        double rec[4], fre[4], mon[4];
        CHECK(eng_rfm_values(customer, time, value, 3, 5, NULL, 0, ids, rec, fre, mon, 4, &n),
              ENG_STATUS_AS_OF_BEFORE_DATA, NULL);
        const double refund[3] = {10.0, -5.0, 0.0};
        CHECK(eng_rfm_values(customer, time, refund, 3, 864000, NULL, 0, ids, rec, fre, mon, 4, &n),
              ENG_STATUS_INVALID_INPUT, "row 1");
    }

    /* Limits: JSON nested past 127 levels, and a length past the rows one call takes (refused before
     * anything is read, so the short buffers below are never touched). */
    {
        char deep[401];
        memset(deep, '[', 200);
        memset(deep + 200, ']', 200);
        deep[400] = '\0';
        eng_segment_set *deep_set = NULL;
        CHECK(eng_segment_set_new(deep, strlen(deep), &deep_set), ENG_STATUS_JSON, "recursion limit");
        size_t unclosed_len = 1000000;
        char *unclosed = malloc(unclosed_len);
        memset(unclosed, '{', unclosed_len);
        CHECK(eng_triggers_new(unclosed, unclosed_len, NULL), ENG_STATUS_NULL_POINTER, "out_triggers");
        eng_triggers *deep_tr = NULL;
        CHECK(eng_triggers_new(unclosed, unclosed_len, &deep_tr), ENG_STATUS_JSON, NULL);
        free(unclosed);
        if (sizeof(size_t) > 4) {
            size_t past = (size_t)UINT32_MAX + 1;
            CHECK(eng_profile_store_push(store,
                                         &(eng_touchpoints){.len = past, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}),
                  ENG_STATUS_INVALID_INPUT, "more rows than one call takes");
            eng_nps_summary nps_out;
            const float one[1] = {9.0f};
            CHECK(eng_nps(one, past, 0.95, &nps_out), ENG_STATUS_INVALID_INPUT, "more rows than one call takes");
        }
    }

    /* A refused push changes nothing: refused then good equals good alone. */
    {
        eng_profile_store *a = NULL, *b = NULL;
        char *ja = NULL, *jb = NULL;
        const double bad_value[3] = {10.0, NAN, 0.0};
        CHECK(eng_profile_store_new(NULL, 0, &a), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_new(NULL, 0, &b), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_push(a,
                                     &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = bad_value, .rating = rating, .rating_scale = scale}),
              ENG_STATUS_INVALID_INPUT, "row 1");
        CHECK(eng_profile_store_push(a,
                                     &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_push(b,
                                     &(eng_touchpoints){.len = 3, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .rating = rating, .rating_scale = scale}), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_profiles_json(a, &ja, NULL), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_profiles_json(b, &jb, NULL), ENG_STATUS_OK, NULL);
        if (!ja || !jb || strcmp(ja, jb) != 0) {
            failed++;
            fprintf(stderr, "FAILED: a refused push changed the store\n");
        } else {
            passed++;
        }
        eng_string_free(ja);
        eng_string_free(jb);
        eng_profile_store_free(a);
        eng_profile_store_free(b);
    }

    /* Saved stores and engines: NULL arguments, damaged bytes, files that cannot be read or written. */
    {
        eng_profile_store *saved = NULL, *back = NULL;
        eng_triggers *engine = NULL, *engine_back = NULL;
        uint8_t *bytes = NULL;
        size_t len = 0;
        const char rules[] = "{\"rules\": [{\"name\": \"w\", \"action\": \"w\", \"when\": {\"type\": \"first_touch\"}}]}";
        CHECK(eng_profile_store_new(NULL, 0, &saved), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_to_bytes(NULL, &bytes, &len), ENG_STATUS_NULL_POINTER, "store");
        CHECK(eng_profile_store_to_bytes(saved, NULL, &len), ENG_STATUS_NULL_POINTER, "out_bytes");
        CHECK(eng_profile_store_to_bytes(saved, &bytes, NULL), ENG_STATUS_NULL_POINTER, "out_len");
        CHECK(eng_profile_store_to_bytes(saved, &bytes, &len), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_from_bytes(NULL, len, &back), ENG_STATUS_NULL_POINTER, "bytes");
        CHECK(eng_profile_store_from_bytes(bytes, len, NULL), ENG_STATUS_NULL_POINTER, "out_store");
        CHECK(eng_profile_store_from_bytes(bytes, len - 1, &back), ENG_STATUS_CORRUPT, "truncated");
        CHECK(eng_profile_store_from_bytes(bytes, 0, &back), ENG_STATUS_CORRUPT, "header");
        bytes[len - 1] ^= 1;
        CHECK(eng_profile_store_from_bytes(bytes, len, &back), ENG_STATUS_CORRUPT, "altered");
        bytes[len - 1] ^= 1;
        bytes[4] = 9;
        CHECK(eng_profile_store_from_bytes(bytes, len, &back), ENG_STATUS_CORRUPT, "version 9");
        bytes[4] = 1;
        CHECK(eng_triggers_from_bytes(bytes, len, &engine_back), ENG_STATUS_CORRUPT, "not a saved trigger engine");
        CHECK(eng_profile_store_save(NULL, "x.engs"), ENG_STATUS_NULL_POINTER, "store");
        CHECK(eng_profile_store_save(saved, NULL), ENG_STATUS_NULL_POINTER, "path");
        CHECK(eng_profile_store_save(saved, "/nonexistent-dir/x.engs"), ENG_STATUS_IO, "nonexistent-dir");
        CHECK(eng_profile_store_load(NULL, &back), ENG_STATUS_NULL_POINTER, "path");
        CHECK(eng_profile_store_load("/nonexistent-dir/x.engs", NULL), ENG_STATUS_NULL_POINTER, "out_store");
        CHECK(eng_profile_store_load("/nonexistent-dir/x.engs", &back), ENG_STATUS_IO, "cannot read");
        if (back != NULL) {
            failed++;
            fprintf(stderr, "FAILED a failed load wrote *out_store\n");
        }
        eng_bytes_free(bytes, len);
        bytes = NULL;
        CHECK(eng_triggers_new(rules, strlen(rules), &engine), ENG_STATUS_OK, NULL);
        CHECK(eng_triggers_to_bytes(NULL, &bytes, &len), ENG_STATUS_NULL_POINTER, "triggers");
        CHECK(eng_triggers_to_bytes(engine, NULL, &len), ENG_STATUS_NULL_POINTER, "out_bytes");
        CHECK(eng_triggers_to_bytes(engine, &bytes, NULL), ENG_STATUS_NULL_POINTER, "out_len");
        CHECK(eng_triggers_to_bytes(engine, &bytes, &len), ENG_STATUS_OK, NULL);
        CHECK(eng_triggers_from_bytes(NULL, len, &engine_back), ENG_STATUS_NULL_POINTER, "bytes");
        CHECK(eng_triggers_from_bytes(bytes, len, NULL), ENG_STATUS_NULL_POINTER, "out_triggers");
        CHECK(eng_triggers_from_bytes(bytes, len / 2, &engine_back), ENG_STATUS_CORRUPT, "truncated");
        CHECK(eng_profile_store_from_bytes(bytes, len, &back), ENG_STATUS_CORRUPT, "not a saved profile store");
        CHECK(eng_triggers_save(NULL, "x.engt"), ENG_STATUS_NULL_POINTER, "triggers");
        CHECK(eng_triggers_save(engine, NULL), ENG_STATUS_NULL_POINTER, "path");
        CHECK(eng_triggers_save(engine, "/nonexistent-dir/x.engt"), ENG_STATUS_IO, "cannot write");
        CHECK(eng_triggers_load(NULL, &engine_back), ENG_STATUS_NULL_POINTER, "path");
        CHECK(eng_triggers_load("/nonexistent-dir/x.engt", NULL), ENG_STATUS_NULL_POINTER, "out_triggers");
        CHECK(eng_triggers_load("/nonexistent-dir/x.engt", &engine_back), ENG_STATUS_IO, "x.engt");
        eng_bytes_free(bytes, len);
        eng_bytes_free(NULL, 0);
        eng_triggers_free(engine);
        eng_profile_store_free(saved);
    }

    /* Rating-scale labels and the store's latest time. */
    {
        uint8_t code = 0;
        int64_t latest = 0;
        eng_profile_store *empty = NULL;
        CHECK(eng_rating_scale_code("csat", 4, &code), ENG_STATUS_OK, NULL);
        if (code != ENG_SCALE_CSAT || strcmp(eng_rating_scale_label(code), "csat") != 0) {
            failed++;
            fprintf(stderr, "FAILED csat's code and label\n");
        }
        CHECK(eng_rating_scale_code("stars", 5, &code), ENG_STATUS_UNKNOWN_LABEL, "nps");
        CHECK(eng_rating_scale_code(NULL, 3, &code), ENG_STATUS_NULL_POINTER, "label");
        if (eng_rating_scale_label(ENG_SCALE_MISSING) != NULL) {
            failed++;
            fprintf(stderr, "FAILED the missing scale has no label\n");
        }
        CHECK(eng_profile_store_new(NULL, 0, &empty), ENG_STATUS_OK, NULL);
        CHECK(eng_profile_store_latest_time(empty, &latest), ENG_STATUS_EMPTY_INPUT, "touchpoint");
        CHECK(eng_profile_store_latest_time(empty, NULL), ENG_STATUS_NULL_POINTER, "out_time");
        CHECK(eng_profile_store_latest_time(NULL, &latest), ENG_STATUS_NULL_POINTER, "store");
        eng_profile_store_free(empty);
    }

    /* The worker pool: its size is bounded, and the count reads back. */
    {
        size_t threads = 0;
        CHECK(eng_threads(NULL), ENG_STATUS_NULL_POINTER, "out_threads");
        CHECK(eng_set_threads(5000), ENG_STATUS_CONFIG, "at most 1024");
        CHECK(eng_set_threads(1), ENG_STATUS_OK, NULL);
        CHECK(eng_threads(&threads), ENG_STATUS_OK, NULL);
        if (threads != 1) {
            failed++;
            fprintf(stderr, "FAILED eng_threads after eng_set_threads(1) gave %zu\n", threads);
        }
        eng_shutdown();
        eng_shutdown(); /* twice is fine */
        CHECK(eng_set_threads(0), ENG_STATUS_OK, NULL);
    }

    /* Freeing NULL is fine. */
    eng_profile_store_free(NULL);
    eng_segment_set_free(NULL);
    eng_string_free(NULL);
    eng_triggers_free(NULL);
    eng_profile_store_free(store);

    printf("c bad-input tests: %d passed, %d failed\n", passed, failed);
    printf("%d passed, %d failed\n", passed, failed);
    eng_shutdown();
    return failed == 0 ? 0 : 1;
}
