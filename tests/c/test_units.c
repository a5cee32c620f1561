/* Time units travel from the summary to the model to the horizon (issue 20, defect 1).
 *
 * On the CDNOW sample (argv[1]): BG/NBD and Gamma-Gamma fitted from the default summary (days)
 * give, with the default discount options (12 months), the same lifetime values as the fits in
 * weeks with the horizon stated in weeks (365.2425 / 7). BG/NBD and Gamma-Gamma are equivariant
 * under a change of time scale, so the two agree up to the optimiser's convergence: a relative
 * 1e-6 on the total. Before units were recorded the default horizon was 12 x 4.345 days. A model
 * without a unit refuses the 12-month default with a message that says how to state it. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"

#define MAX_ROWS 8192
static uint64_t customer[MAX_ROWS];
static int64_t when[MAX_ROWS];
static double dollars[MAX_ROWS];
static uint64_t ids[MAX_ROWS];
static double freq[MAX_ROWS], rec[MAX_ROWS], age[MAX_ROWS], money[MAX_ROWS], spend[MAX_ROWS], value[MAX_ROWS];
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

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The "model" object of a fit's JSON, as text (free with free()). */
static char *model_of(char *fit_json) {
    json_error_t err;
    json_t *fit = json_loads(fit_json, 0, &err);
    eng_string_free(fit_json);
    char *text = json_dumps(json_object_get(fit, "model"), JSON_COMPACT);
    json_decref(fit);
    return text;
}

static size_t summary(size_t n, int64_t end, const char *cfg) {
    size_t k = 0;
    expect(eng_transaction_summary(customer, when, dollars, n, end, cfg, cfg ? strlen(cfg) : 0, ids, freq, rec, age,
                                   money, MAX_ROWS, &k) == ENG_STATUS_OK,
           "summary");
    return k;
}

/* Total discounted value of every customer: fit on the summary with config `cfg`, then value with
 * discount options `options` (NULL: defaults); `*bg_out` receives the BG/NBD model JSON (free with free()). */
static double total_value(size_t n, int64_t end, const char *cfg, const char *options, char **bg_out) {
    char *fit = NULL;
    size_t cl = cfg ? strlen(cfg) : 0;
    expect(eng_clv_fit_summary_json("bg_nbd", 6, customer, when, dollars, n, end, cfg, cl, NULL, 0, &fit, NULL) ==
               ENG_STATUS_OK,
           "fit bg_nbd");
    char *bg = model_of(fit);
    expect(eng_clv_fit_summary_json("gamma_gamma", 11, customer, when, dollars, n, end, cfg, cl, NULL, 0, &fit, NULL) ==
               ENG_STATUS_OK,
           "fit gamma_gamma");
    char *gg = model_of(fit);
    size_t k = summary(n, end, cfg);
    expect(eng_clv_expected_spend(gg, strlen(gg), freq, money, k, spend) == ENG_STATUS_OK, "spend");
    expect(eng_clv_discounted_value(bg, strlen(bg), freq, rec, age, spend, k, options, options ? strlen(options) : 0,
                                    value) == ENG_STATUS_OK,
           "discounted value");
    double total = 0;
    for (size_t i = 0; i < k; i++) total += value[i];
    free(gg);
    *bg_out = bg;
    return total;
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s CDNOW_sample.txt\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "r");
    if (!in) {
        perror(argv[1]);
        return 2;
    }
    size_t n = 0;
    unsigned long long master, id;
    long date, cds;
    double amount;
    while (n < MAX_ROWS && fscanf(in, "%llu %llu %ld %ld %lf", &master, &id, &date, &cds, &amount) == 5) {
        customer[n] = id;
        when[n] = days_from_civil(date / 10000, date / 100 % 100, date % 100) * 86400;
        dollars[n] = amount;
        n++;
    }
    fclose(in);
    expect(n > 6000, "read the sample");
    const int64_t end = days_from_civil(1998, 6, 30) * 86400;

    char *bg_days = NULL, *bg_weeks = NULL;
    double by_default = total_value(n, end, NULL, NULL, &bg_days);
    const char *in_weeks_horizon = "{\"horizon\": {\"duration\": 52.1775}}"; /* 365.2425 / 7 */
    double in_weeks = total_value(n, end, "{\"unit\": \"week\"}", in_weeks_horizon, &bg_weeks);
    expect(strstr(bg_days, "\"unit\":\"day\"") != NULL, "the default fit records days");
    expect(strstr(bg_weeks, "\"unit\":\"week\"") != NULL, "the weekly fit records weeks");
    expect(fabs(by_default - in_weeks) <= 1e-6 * in_weeks, "12-month CLV from the defaults equals the one in weeks");
    printf("12-month CLV, defaults: %.2f; in weeks: %.2f\n", by_default, in_weeks);

    /* A model fitted on bare columns has no unit: the 12-month default is refused, and says how. */
    size_t k = summary(n, end, NULL);
    char *fit = NULL;
    expect(eng_clv_fit_json("bg_nbd", 6, freq, rec, age, NULL, NULL, k, NULL, 0, &fit, NULL) == ENG_STATUS_OK,
           "bare fit");
    /* What a fit returns, a prediction takes as it is: the fit's JSON gives the model's P(alive). */
    double *from_fit = calloc(k, sizeof *from_fit), *from_model = calloc(k, sizeof *from_model);
    expect(eng_clv_p_alive(fit, strlen(fit), freq, rec, age, k, from_fit) == ENG_STATUS_OK, "a fit's JSON predicts");
    char *bare = model_of(fit);
    expect(eng_clv_p_alive(bare, strlen(bare), freq, rec, age, k, from_model) == ENG_STATUS_OK, "the model predicts");
    expect(memcmp(from_fit, from_model, k * sizeof *from_fit) == 0, "the fit's JSON is the model");
    free(from_fit);
    free(from_model);
    for (size_t i = 0; i < k; i++) spend[i] = 1.0;
    expect(eng_clv_discounted_value(bare, strlen(bare), freq, rec, age, spend, k, NULL, 0, value) == ENG_STATUS_CONFIG,
           "a unit-less model refuses 12 months");
    char msg[512] = {0};
    size_t len = 0;
    eng_last_error_message(msg, sizeof msg, &len);
    expect(strstr(msg, "set the model's unit") != NULL && strstr(msg, "duration") != NULL, "the refusal says how");
    const char *months = "{\"horizon\": {\"months\": 12}}";
    expect(eng_clv_discounted_value(bare, strlen(bare), freq, rec, age, spend, k, months, strlen(months), value) ==
               ENG_STATUS_CONFIG,
           "a unit-less model refuses months=12");
    free(bare);

    /* The same models as handles: fitted (or read) once, predicting what the JSON calls predict. */
    struct eng_clv_model *bg = NULL, *gg = NULL, *read = NULL;
    k = summary(n, end, NULL);
    expect(eng_clv_model_fit("bg_nbd", 6, freq, rec, age, NULL, NULL, k, "{\"unit\": \"day\"}", 15, &bg) ==
               ENG_STATUS_OK, "fit a model handle");
    size_t repeat = 0;
    static double rf[MAX_ROWS], rm[MAX_ROWS];
    for (size_t i = 0; i < k; i++)
        if (freq[i] > 0) rf[repeat] = freq[i], rm[repeat++] = money[i];
    expect(eng_clv_model_fit("gamma_gamma", 11, rf, NULL, NULL, rm, NULL, repeat, NULL, 0, &gg) == ENG_STATUS_OK,
           "fit a Gamma-Gamma handle");
    char *bg_json = NULL, *gg_json = NULL;
    expect(eng_clv_model_to_json(bg, &bg_json, NULL) == ENG_STATUS_OK && strstr(bg_json, "log_likelihood"),
           "a fitted handle's JSON is the fit");
    expect(eng_clv_model_to_json(gg, &gg_json, NULL) == ENG_STATUS_OK, "Gamma-Gamma JSON");
    expect(eng_clv_model_from_json(bg_json, strlen(bg_json), &read) == ENG_STATUS_OK, "a handle read from JSON");
    double *a = calloc(k, sizeof *a), *b = calloc(k, sizeof *b), *c = calloc(k, sizeof *c);
    expect(eng_clv_model_p_alive(bg, freq, rec, age, k, a) == ENG_STATUS_OK, "P(alive) from the handle");
    expect(eng_clv_p_alive(bg_json, strlen(bg_json), freq, rec, age, k, b) == ENG_STATUS_OK, "P(alive) from JSON");
    expect(eng_clv_model_p_alive(read, freq, rec, age, k, c) == ENG_STATUS_OK, "P(alive) from the read handle");
    expect(!memcmp(a, b, k * sizeof *a) && !memcmp(a, c, k * sizeof *a), "the same P(alive) every way");
    expect(eng_clv_model_expected_purchases(bg, 30, freq, rec, age, k, a) == ENG_STATUS_OK &&
               eng_clv_conditional_expected_purchases(bg_json, strlen(bg_json), 30, freq, rec, age, k, b) ==
                   ENG_STATUS_OK && !memcmp(a, b, k * sizeof *a),
           "the same expected purchases");
    expect(eng_clv_model_expected_spend(gg, freq, money, k, spend) == ENG_STATUS_OK &&
               eng_clv_expected_spend(gg_json, strlen(gg_json), freq, money, k, c) == ENG_STATUS_OK &&
               !memcmp(spend, c, k * sizeof *c),
           "the same expected spend");
    expect(eng_clv_model_discounted_value(bg, freq, rec, age, spend, k, NULL, 0, a) == ENG_STATUS_OK &&
               eng_clv_discounted_value(bg_json, strlen(bg_json), freq, rec, age, spend, k, NULL, 0, b) ==
                   ENG_STATUS_OK && !memcmp(a, b, k * sizeof *a),
           "the same 12-month discounted value (the handle keeps the unit)");
    expect(eng_clv_model_p_alive(gg, freq, rec, age, k, a) == ENG_STATUS_CONFIG, "Gamma-Gamma has no P(alive)");
    expect(eng_clv_model_p_alive(NULL, freq, rec, age, k, a) == ENG_STATUS_NULL_POINTER, "NULL model");
    struct eng_clv_model *none = NULL;
    expect(eng_clv_model_from_json("{\"model\": \"bg_nbd\"}", 19, &none) != ENG_STATUS_OK && none == NULL,
           "a model without parameters is refused");
    free(a), free(b), free(c);
    eng_string_free(bg_json);
    eng_string_free(gg_json);
    eng_clv_model_free(bg);
    eng_clv_model_free(gg);
    eng_clv_model_free(read);
    eng_clv_model_free(NULL);
    free(bg_days);
    free(bg_weeks);
    printf("c unit tests: %s\n", failed ? "FAILED" : "passed");
    eng_shutdown();
    return failed ? 1 : 0;
}
