/* Runs the golden vectors (the tests/golden JSON files given on the command line)
 * through the C ABI and checks the same numbers as the Rust runner
 * (engagement-core/tests/golden.rs). The file format is documented in
 * tests/golden/README.md. JSON is read with jansson. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engagement.h"

static int passed, failed;

/* ---- comparison: expected must be contained in actual ---- */

static int compare(const json_t *e, const json_t *a, double tol, const char *path) {
    if (json_is_object(e)) {
        if (!json_is_object(a)) {
            fprintf(stderr, "  %s: expected an object\n", path);
            return 0;
        }
        const char *key;
        json_t *ev;
        json_object_foreach((json_t *)e, key, ev) {
            char sub[512];
            snprintf(sub, sizeof sub, "%s.%s", path, key);
            json_t *av = json_object_get(a, key);
            if (!av) {
                fprintf(stderr, "  %s: missing in result\n", sub);
                return 0;
            }
            if (!compare(ev, av, tol, sub)) return 0;
        }
        return 1;
    }
    if (json_is_array(e)) {
        if (!json_is_array(a) || json_array_size(a) != json_array_size(e)) {
            fprintf(stderr, "  %s: array length differs (expected %zu)\n", path, json_array_size(e));
            return 0;
        }
        for (size_t i = 0; i < json_array_size(e); i++) {
            char sub[512];
            snprintf(sub, sizeof sub, "%s[%zu]", path, i);
            if (!compare(json_array_get(e, i), json_array_get(a, i), tol, sub)) return 0;
        }
        return 1;
    }
    if (json_is_number(e) && json_is_number(a)) {
        if (json_is_integer(e) && json_is_integer(a)) {
            if (json_integer_value(e) == json_integer_value(a)) return 1;
        } else if (fabs(json_number_value(e) - json_number_value(a)) <= tol) {
            return 1;
        }
        fprintf(stderr, "  %s: expected %.17g, found %.17g\n", path, json_number_value(e), json_number_value(a));
        return 0;
    }
    if (json_equal((json_t *)e, (json_t *)a)) return 1;
    fprintf(stderr, "  %s: values differ\n", path);
    return 0;
}

/* ---- helpers ---- */

/* A float of the vectors: a number, null (NaN), or the tokens "NaN", "inf", "-inf"
 * that stand for what JSON cannot write (tests/golden/README.md). */
static double real(const json_t *x) {
    const char *s = json_string_value(x);
    if (s && !strcmp(s, "NaN")) return NAN;
    if (s && !strcmp(s, "inf")) return INFINITY;
    if (s && !strcmp(s, "-inf")) return -INFINITY;
    return json_is_null(x) ? NAN : json_number_value(x);
}

/* The C ABI takes one length for all the columns of a call: columns of different lengths
 * cannot reach it, so the runner answers LENGTH_MISMATCH itself, as a C caller's own check would. */
static int same_length(const json_t *input, const char *first, ...) {
    va_list keys;
    va_start(keys, first);
    size_t n = json_array_size(json_object_get(input, first));
    int same = 1;
    for (const char *k = va_arg(keys, const char *); k; k = va_arg(keys, const char *))
        same &= json_array_size(json_object_get(input, k)) == n;
    va_end(keys);
    return same;
}

static const char *config_text(const json_t *config, char **owned) {
    *owned = config ? json_dumps(config, JSON_COMPACT) : NULL;
    return *owned;
}

static size_t text_len(const char *s) { return s ? strlen(s) : 0; }

static json_t *u64_array(const uint64_t *v, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer((json_int_t)v[i]));
    return a;
}

static json_t *u8_array(const uint8_t *v, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
    return a;
}

static json_t *f64_array(const double *v, size_t n) {
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_real(v[i]));
    return a;
}

static json_t *proportion(const eng_proportion *p) {
    return json_pack("{s:I,s:I,s:f,s:f,s:f,s:f}", "successes", (json_int_t)p->successes, "trials",
                     (json_int_t)p->trials, "rate", p->rate, "ci_low", p->ci_low, "ci_high", p->ci_high, "level",
                     p->level);
}

/* A library JSON string as a jansson value (the string is freed). */
static json_t *take_json(char *s) {
    json_t *v = json_loads(s, 0, NULL);
    eng_string_free(s);
    return v;
}

typedef struct {
    size_t n;
    uint64_t *customer;
    int64_t *time;
    uint8_t *channel, *kind, *scale;
    double *value;
    float *rating;
} columns;

static void free_columns(columns *c) {
    free(c->customer);
    free(c->time);
    free(c->channel);
    free(c->kind);
    free(c->scale);
    free(c->value);
    free(c->rating);
    memset(c, 0, sizeof *c);
}

/* Reads labelled touchpoint columns; lengths may differ on purpose (the engine must say so). */
static eng_status load_columns(const json_t *t, columns *c) {
    memset(c, 0, sizeof *c);
    json_t *cu = json_object_get(t, "customer"), *ti = json_object_get(t, "time"), *ch = json_object_get(t, "channel"),
           *ki = json_object_get(t, "kind"), *va = json_object_get(t, "value"), *ra = json_object_get(t, "rating"),
           *sc = json_object_get(t, "rating_scale");
    c->n = json_array_size(cu);
    size_t alloc = c->n + 1;
    c->customer = calloc(alloc, sizeof *c->customer);
    c->time = calloc(alloc + json_array_size(ti), sizeof *c->time);
    c->channel = calloc(alloc, 1);
    c->kind = calloc(alloc, 1);
    for (size_t i = 0; i < c->n; i++) c->customer[i] = (uint64_t)json_integer_value(json_array_get(cu, i));
    for (size_t i = 0; i < json_array_size(ti); i++) c->time[i] = (int64_t)json_integer_value(json_array_get(ti, i));
    if (json_array_size(ti) != c->n || json_array_size(ch) != c->n || json_array_size(ki) != c->n) {
        return ENG_STATUS_LENGTH_MISMATCH; /* the C face has one length for all columns */
    }
    for (size_t i = 0; i < c->n; i++) {
        const char *l = json_string_value(json_array_get(ch, i));
        eng_status s = eng_channel_code(l, strlen(l), &c->channel[i]);
        if (s != ENG_STATUS_OK) return s;
        l = json_string_value(json_array_get(ki, i));
        s = eng_kind_code(l, strlen(l), &c->kind[i]);
        if (s != ENG_STATUS_OK) return s;
    }
    if (va) {
        c->value = calloc(alloc, sizeof *c->value);
        for (size_t i = 0; i < c->n; i++) c->value[i] = real(json_array_get(va, i));
    }
    if (ra && json_array_size(ra) > 0) {
        c->rating = calloc(alloc, sizeof *c->rating);
        /* No scale column: the scales are passed as NULL, as a C caller without them would. */
        if (sc) c->scale = calloc(alloc, 1);
        for (size_t i = 0; i < c->n; i++) {
            json_t *r = json_array_get(ra, i);
            c->rating[i] = json_is_null(r) ? NAN : (float)real(r);
            if (!sc) continue;
            const char *l = json_string_value(json_array_get(sc, i));
            c->scale[i] = strcmp(l, "nps") == 0 ? ENG_SCALE_NPS : strcmp(l, "csat") == 0 ? ENG_SCALE_CSAT : ENG_SCALE_CES;
        }
    }
    return ENG_STATUS_OK;
}

static eng_status new_store(const json_t *score_config, columns *c, eng_profile_store **store) {
    char *cfg;
    config_text(score_config, &cfg);
    eng_status s = eng_profile_store_new(cfg, text_len(cfg), store);
    free(cfg);
    if (s != ENG_STATUS_OK) return s;
    return eng_profile_store_push(*store,
                                  &(eng_touchpoints){.len = c->n, .customer = c->customer, .time = c->time, .channel = c->channel, .kind = c->kind, .value = c->value, .rating = c->rating, .rating_scale = c->scale});
}

/* ---- operations: each returns a status and, on success, a result ---- */

static eng_status op_store(const char *op, const json_t *input, const json_t *config, json_t **result) {
    columns c;
    eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
    eng_profile_store *store = NULL;
    if (s == ENG_STATUS_OK) {
        json_t *score_config = NULL;
        if (strcmp(op, "profiles") == 0 && config) score_config = json_pack("{s:O}", "signals", config);
        else if (strcmp(op, "scores") == 0) score_config = json_incref((json_t *)config);
        s = new_store(score_config, &c, &store);
        json_decref(score_config);
    }
    if (s == ENG_STATUS_OK) {
        size_t n = 0, cap = c.n + 1;
        int64_t as_of = (int64_t)json_integer_value(json_object_get(input, "as_of"));
        uint64_t *ids = calloc(cap, sizeof *ids);
        if (strcmp(op, "profiles") == 0) {
            char *json = NULL;
            s = eng_profile_store_profiles_json(store, &json, &n);
            if (s == ENG_STATUS_OK) *result = json_pack("{s:o}", "profiles", take_json(json));
        } else if (strcmp(op, "scores") == 0) {
            double *t = calloc(cap, 8), *e = calloc(cap, 8), *x = calloc(cap, 8), *v = calloc(cap, 8), *so = calloc(cap, 8);
            s = eng_profile_store_scores(store, as_of, ids, t, e, x, v, so, cap, &n);
            if (s == ENG_STATUS_OK)
                *result = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "customer", u64_array(ids, n), "total", f64_array(t, n),
                                    "emotional", f64_array(e, n), "contextual", f64_array(x, n), "convenient",
                                    f64_array(v, n), "social", f64_array(so, n));
            free(t), free(e), free(x), free(v), free(so);
        } else if (strcmp(op, "stages") == 0) {
            char *cfg;
            config_text(config, &cfg);
            uint8_t *st = calloc(cap, 1);
            s = eng_profile_store_stages(store, as_of, cfg, text_len(cfg), ids, st, cap, &n);
            if (s == ENG_STATUS_OK) {
                json_t *labels = json_array();
                for (size_t i = 0; i < n; i++) json_array_append_new(labels, json_string(eng_stage_label(st[i])));
                *result = json_pack("{s:o,s:o}", "customer", u64_array(ids, n), "stage", labels);
            }
            free(st), free(cfg);
        } else if (strcmp(op, "segments") == 0) {
            char *def = json_dumps(json_object_get(input, "definition"), JSON_COMPACT);
            eng_segment_set *set = NULL;
            s = eng_segment_set_new(def, strlen(def), &set);
            free(def);
            size_t k = 0;
            if (s == ENG_STATUS_OK) s = eng_segment_set_len(set, &k);
            if (s == ENG_STATUS_OK) {
                uint8_t *member = calloc(cap * (k + 1), 1);
                int32_t *primary = calloc(cap, sizeof *primary);
                s = eng_profile_store_segments(store, set, as_of, NULL, 0, NULL, 0, ids, member, primary, cap, &n);
                char *names = NULL;
                if (s == ENG_STATUS_OK) s = eng_segment_set_names_json(set, &names, NULL);
                if (s == ENG_STATUS_OK) {
                    json_t *m = json_array(), *p = json_array();
                    for (size_t seg = 0; seg < k; seg++) {
                        json_t *col = json_array();
                        for (size_t i = 0; i < n; i++) json_array_append_new(col, json_boolean(member[i * k + seg]));
                        json_array_append_new(m, col);
                    }
                    for (size_t i = 0; i < n; i++)
                        json_array_append_new(p, primary[i] < 0 ? json_null() : json_integer(primary[i]));
                    *result = json_pack("{s:o,s:o,s:o,s:o}", "customer", u64_array(ids, n), "names", take_json(names),
                                        "member", m, "primary", p);
                }
                free(member), free(primary);
            }
            eng_segment_set_free(set);
        }
        free(ids);
    }
    eng_profile_store_free(store);
    free_columns(&c);
    return s;
}

/* A loyalty report with tier indices turned into names, as the golden files write them. */
static json_t *tier_names(json_t *report) {
    json_t *accounts = json_object_get(report, "accounts"), *history = json_object_get(report, "history");
    json_t *names = json_object_get(accounts, "tier_names");
    json_t *lists[2] = {json_object_get(accounts, "tier"), json_object_get(history, "tier")};
    for (int l = 0; l < 2; l++) {
        for (size_t i = 0; i < json_array_size(lists[l]); i++) {
            json_t *t = json_array_get(lists[l], i);
            if (json_is_integer(t)) json_array_set(lists[l], i, json_array_get(names, (size_t)json_integer_value(t)));
        }
    }
    return report;
}

static eng_status op_history_or_loyalty(const char *op, const json_t *input, const json_t *config, json_t **result) {
    columns c;
    eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
    char *cfg;
    config_text(config, &cfg);
    char *json = NULL;
    if (s == ENG_STATUS_OK && strcmp(op, "history") == 0) {
        s = eng_stage_history_json(&(eng_touchpoints){.len = c.n, .customer = c.customer, .time = c.time, .channel = c.channel, .kind = c.kind, .value = c.value, .rating = c.rating, .rating_scale = c.scale},
                                   (int64_t)json_integer_value(json_object_get(input, "until")), cfg, text_len(cfg),
                                   &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
    } else if (s == ENG_STATUS_OK) {
        json_t *r = json_object_get(input, "redemptions");
        json_t *rc = json_object_get(r, "customer"), *rt = json_object_get(r, "time"), *rp = json_object_get(r, "points");
        size_t m = json_array_size(rc);
        uint64_t *cu = calloc(m + 1, 8), *pt = calloc(m + 1, 8);
        int64_t *ti = calloc(m + 1, 8);
        for (size_t i = 0; i < m; i++) {
            cu[i] = (uint64_t)json_integer_value(json_array_get(rc, i));
            ti[i] = (int64_t)json_integer_value(json_array_get(rt, i));
            pt[i] = (uint64_t)json_integer_value(json_array_get(rp, i));
        }
        s = eng_loyalty_json(&(eng_touchpoints){.len = c.n, .customer = c.customer, .time = c.time, .channel = c.channel, .kind = c.kind, .value = c.value, .rating = c.rating, .rating_scale = c.scale},
                             cu, ti, pt, m, (int64_t)json_integer_value(json_object_get(input, "as_of")), cfg,
                             text_len(cfg), &json, NULL);
        if (s == ENG_STATUS_OK) *result = tier_names(take_json(json));
        free(cu), free(pt), free(ti);
    }
    free(cfg);
    free_columns(&c);
    return s;
}

static float *floats(const json_t *a) {
    float *v = calloc(json_array_size(a) + 1, sizeof *v);
    for (size_t i = 0; i < json_array_size(a); i++) v[i] = (float)real(json_array_get(a, i));
    return v;
}

static double *doubles(const json_t *a) {
    double *v = calloc(json_array_size(a) + 1, sizeof *v);
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *x = json_array_get(a, i);
        v[i] = json_is_null(x) ? NAN : real(x);
    }
    return v;
}

static uint64_t *u64s(const json_t *a) {
    uint64_t *v = calloc(json_array_size(a) + 1, sizeof *v);
    for (size_t i = 0; i < json_array_size(a); i++) v[i] = (uint64_t)json_integer_value(json_array_get(a, i));
    return v;
}

static int64_t *i64s(const json_t *a) {
    int64_t *v = calloc(json_array_size(a) + 1, sizeof *v);
    for (size_t i = 0; i < json_array_size(a); i++) v[i] = (int64_t)json_integer_value(json_array_get(a, i));
    return v;
}

static eng_status op_metric(const char *op, const json_t *input, const json_t *config, json_t **result) {
    eng_status s = ENG_STATUS_OK;
    double level = real(json_object_get(input, "level"));
    if (strcmp(op, "nps") == 0) {
        json_t *r = json_object_get(input, "ratings");
        float *v = floats(r);
        eng_nps_summary o;
        s = eng_nps(v, json_array_size(r), level, &o);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:f,s:f}", "n", (json_int_t)o.n, "promoters",
                                (json_int_t)o.promoters, "passives", (json_int_t)o.passives, "detractors",
                                (json_int_t)o.detractors, "score", o.score, "std_error", o.std_error, "ci_low", o.ci_low,
                                "ci_high", o.ci_high, "level", o.level);
        free(v);
    } else if (strcmp(op, "csat") == 0) {
        json_t *r = json_object_get(input, "ratings");
        float *v = floats(r);
        eng_proportion p;
        s = eng_csat(v, json_array_size(r), level, &p);
        if (s == ENG_STATUS_OK) *result = proportion(&p);
        free(v);
    } else if (strcmp(op, "wilson") == 0) {
        eng_proportion p;
        s = eng_wilson((uint64_t)json_integer_value(json_object_get(input, "successes")),
                       (uint64_t)json_integer_value(json_object_get(input, "trials")), level, &p);
        if (s == ENG_STATUS_OK) *result = proportion(&p);
    } else if (strcmp(op, "retention") == 0) {
        eng_churn_summary c;
        s = eng_retention_rate((uint64_t)json_integer_value(json_object_get(input, "at_start")),
                               (uint64_t)json_integer_value(json_object_get(input, "at_end")),
                               (uint64_t)json_integer_value(json_object_get(input, "new")), level, &c);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:I,s:I,s:I,s:I,s:f,s:o}", "at_start", (json_int_t)c.at_start, "lost",
                                (json_int_t)c.lost, "new", (json_int_t)c.new_customers, "at_end", (json_int_t)c.at_end,
                                "retention", c.retention, "churn", proportion(&c.churn));
    } else if (strcmp(op, "simple_clv") == 0) {
        char *in = json_dumps(input, JSON_COMPACT);
        double clv;
        s = eng_simple_clv(in, strlen(in), &clv);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:f}", "clv", clv);
        free(in);
    } else if (strcmp(op, "retention_clv") == 0) {
        double clv;
        s = eng_retention_clv(real(json_object_get(input, "margin")),
                              real(json_object_get(input, "retention")),
                              real(json_object_get(input, "discount_rate")), &clv);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:f}", "clv", clv);
    } else if (strcmp(op, "clv_parameter_intervals") == 0) {
        if (!same_length(input, "params", "standard_errors", NULL)) return ENG_STATUS_LENGTH_MISMATCH;
        json_t *a = json_object_get(input, "params");
        size_t n = json_array_size(a);
        double *p = doubles(a), *se = doubles(json_object_get(input, "standard_errors"));
        double *lo = calloc(n + 1, 8), *hi = calloc(n + 1, 8);
        s = eng_clv_parameter_intervals(p, se, n, real(json_object_get(input, "level")), lo, hi);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:o,s:o}", "low", f64_array(lo, n), "high", f64_array(hi, n));
        free(p), free(se), free(lo), free(hi);
    } else if (strcmp(op, "percentile_ranks") == 0) {
        json_t *a = json_object_get(input, "values");
        double *v = doubles(a), *r = calloc(json_array_size(a) + 1, 8);
        s = eng_percentile_ranks(v, json_array_size(a), r);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:o}", "ranks", f64_array(r, json_array_size(a)));
        free(v), free(r);
    } else if (strcmp(op, "transaction_summary") == 0 || strcmp(op, "calibration_holdout") == 0) {
        if (!same_length(input, "customer", "time", "value", NULL)) return ENG_STATUS_LENGTH_MISMATCH;
        json_t *cu = json_object_get(input, "customer");
        size_t n = json_array_size(cu), cap = n + 1, k = 0;
        uint64_t *c = u64s(cu);
        int64_t *t = i64s(json_object_get(input, "time"));
        double *v = doubles(json_object_get(input, "value"));
        char *cfg;
        config_text(config, &cfg);
        int64_t end = (int64_t)json_integer_value(json_object_get(input, "observation_end"));
        if (strcmp(op, "transaction_summary") == 0) {
            uint64_t *ids = calloc(cap, 8);
            double *f = calloc(cap, 8);
            double *rec = calloc(cap, 8), *tt = calloc(cap, 8), *mon = calloc(cap, 8);
            s = eng_transaction_summary(c, t, v, n, end, cfg, text_len(cfg), ids, f, rec, tt, mon, cap, &k);
            if (s == ENG_STATUS_OK) {
                json_t *fr = json_array();
                for (size_t i = 0; i < k; i++) json_array_append_new(fr, json_real(f[i]));
                *result = json_pack("{s:o,s:o,s:o,s:o,s:o}", "customer", u64_array(ids, k), "frequency", fr, "recency",
                                    f64_array(rec, k), "T", f64_array(tt, k), "monetary_value", f64_array(mon, k));
            }
            free(ids), free(f), free(rec), free(tt), free(mon);
        } else {
            char *json = NULL;
            s = eng_calibration_holdout_json(c, t, v, n, (int64_t)json_integer_value(json_object_get(input, "calibration_end")),
                                             end, cfg, text_len(cfg), &json, NULL);
            if (s == ENG_STATUS_OK) *result = take_json(json);
        }
        free(c), free(t), free(v), free(cfg);
    } else if (strcmp(op, "rfm") == 0) {
        if (!same_length(input, "customer", "recency", "frequency", "monetary", NULL)) return ENG_STATUS_LENGTH_MISMATCH;
        json_t *cu = json_object_get(input, "customer");
        size_t n = json_array_size(cu), cap = n + 1, k = 0;
        uint64_t *c = u64s(cu);
        double *re = doubles(json_object_get(input, "recency")), *fr = doubles(json_object_get(input, "frequency")),
               *mo = doubles(json_object_get(input, "monetary"));
        uint8_t *r = calloc(cap, 1), *f = calloc(cap, 1), *m = calloc(cap, 1), *score = calloc(cap, 1);
        uint16_t *code = calloc(cap, 2), *seg = calloc(cap, 2);
        char *cfg;
        config_text(config, &cfg);
        s = eng_rfm_scores(c, re, fr, mo, n, cfg, text_len(cfg), r, f, m, code, score, seg, cap, &k);
        char *names_json = NULL;
        if (s == ENG_STATUS_OK) s = eng_rfm_segment_names_json(cfg, text_len(cfg), &names_json, NULL);
        if (s == ENG_STATUS_OK) {
            json_t *names = take_json(names_json), *codes = json_array(), *labels = json_array();
            for (size_t i = 0; i < k; i++) {
                json_array_append_new(codes, json_integer(code[i]));
                json_array_append(labels, json_array_get(names, seg[i]));
            }
            *result = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "customer", u64_array(c, k), "r", u8_array(r, k), "f",
                                u8_array(f, k), "m", u8_array(m, k), "code", codes, "score", u8_array(score, k),
                                "segment", labels);
            json_decref(names);
        }
        free(c), free(re), free(fr), free(mo), free(r), free(f), free(m), free(score), free(code), free(seg), free(cfg);
    } else if (strcmp(op, "actions") == 0) {
        if (!same_length(input, "customer", "stage", NULL)) return ENG_STATUS_LENGTH_MISMATCH;
        json_t *cu = json_object_get(input, "customer"), *st = json_object_get(input, "stage");
        size_t n = json_array_size(cu);
        uint64_t *c = u64s(cu);
        uint8_t *codes = calloc(n + 1, 1);
        for (size_t i = 0; i < n && s == ENG_STATUS_OK; i++) {
            const char *l = json_string_value(json_array_get(st, i));
            s = eng_stage_code(l, strlen(l), &codes[i]);
        }
        char *cfg, *json = NULL;
        config_text(config, &cfg);
        if (s == ENG_STATUS_OK)
            s = eng_next_best_actions_json(c, codes, n, cfg, text_len(cfg), NULL, 0, NULL, 0, &json, NULL);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:o,s:o}", "customer", u64_array(c, n), "action", take_json(json));
        free(c), free(codes), free(cfg);
    } else {
        fprintf(stderr, "unknown op %s\n", op);
        exit(2);
    }
    return s;
}

/* An optional CLV column: NULL when the case does not give it. */
static double *maybe_doubles(const json_t *input, const char *key) {
    const json_t *a = json_object_get(input, key);
    return a ? doubles(a) : NULL;
}

static eng_status op_clv(const char *op, const json_t *input, const json_t *config, json_t **result) {
    eng_status s;
    double *f = maybe_doubles(input, "frequency"), *r = maybe_doubles(input, "recency"),
           *t = maybe_doubles(input, "T"), *m = maybe_doubles(input, "monetary_value"),
           *w = maybe_doubles(input, "weights");
    size_t n = json_array_size(json_object_get(input, "frequency"));
    const char *columns[] = {"recency", "T", "monetary_value", "weights", "holdout"};
    for (size_t i = 0; i < sizeof columns / sizeof *columns; i++) {
        const json_t *col = json_object_get(input, columns[i]);
        if (col && json_array_size(json_object_get(input, "frequency")) > 0 && json_array_size(col) != n) {
            free(f), free(r), free(t), free(m), free(w);
            return ENG_STATUS_LENGTH_MISMATCH;
        }
    }
    if (strcmp(op, "clv_fit_retention") == 0) {
        const json_t *a = json_object_get(input, "alive");
        double *alive = doubles(a);
        char *cfg, *json = NULL;
        config_text(config, &cfg);
        s = eng_clv_fit_retention_json(alive, json_array_size(a), cfg, text_len(cfg), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free(alive), free(cfg);
    } else if (strcmp(op, "clv_fit") == 0) {
        const char *model = json_string_value(json_object_get(input, "model"));
        char *cfg, *json = NULL;
        config_text(config, &cfg);
        s = eng_clv_fit_json(model, strlen(model), f, r, t, m, w, n, cfg, text_len(cfg), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free(cfg);
    } else if (strcmp(op, "clv_p_alive_history") == 0) {
        char *model = json_dumps(json_object_get(input, "model"), JSON_COMPACT);
        const json_t *pj = json_object_get(input, "purchases"), *aj = json_object_get(input, "at");
        double *p = doubles(pj), *at = doubles(aj);
        size_t na = json_array_size(aj);
        double *out = calloc(na + 1, sizeof *out);
        s = eng_clv_p_alive_history(model, strlen(model), p, json_array_size(pj), at, na, out);
        if (s == ENG_STATUS_OK) {
            json_t *vs = json_array();
            for (size_t i = 0; i < na; i++) json_array_append_new(vs, json_real(out[i]));
            *result = json_pack("{s:o}", "values", vs);
        }
        free(model), free(p), free(at), free(out);
    } else if (strcmp(op, "clv_period_transactions") == 0 || strcmp(op, "clv_calibration_holdout") == 0) {
        char *model = json_dumps(json_object_get(input, "model"), JSON_COMPACT), *json = NULL;
        unsigned max_f = (unsigned)json_integer_value(json_object_get(input, "max_frequency"));
        if (strcmp(op, "clv_period_transactions") == 0) {
            s = eng_clv_period_transactions_json(model, strlen(model), f, r, t, w, n, max_f, &json, NULL);
        } else {
            double *h = maybe_doubles(input, "holdout");
            s = eng_clv_calibration_holdout_json(model, strlen(model), f, r, t, w, h, n,
                                                 real(json_object_get(input, "duration")), max_f, &json,
                                                 NULL);
            free(h);
        }
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free(model);
    } else if (strcmp(op, "clv_matrix") == 0) {
        char *model = json_dumps(json_object_get(input, "model"), JSON_COMPACT);
        char *value = json_dumps(json_object_get(input, "value"), JSON_COMPACT);
        unsigned max_f = (unsigned)json_integer_value(json_object_get(input, "max_frequency"));
        double age = real(json_object_get(input, "T"));
        /* A T the engine will refuse (negative, NaN, huge) still needs a buffer of some size here. */
        size_t cols = (isfinite(age) && age >= 0 && age < 1e7) ? (size_t)age + 1 : 1, rows = (size_t)max_f + 1;
        double *out = calloc(rows * cols, sizeof *out);
        s = eng_clv_frequency_recency_matrix(model, strlen(model), value, strlen(value), max_f, age, out, rows * cols);
        if (s == ENG_STATUS_OK) {
            json_t *fs = json_array(), *rs = json_array(), *vs = json_array();
            for (size_t i = 0; i < rows; i++) json_array_append_new(fs, json_real((double)i));
            for (size_t j = 0; j < cols; j++) json_array_append_new(rs, json_real((double)j));
            /* NaN (an impossible history) is written as null, as in the vectors. */
            for (size_t k = 0; k < rows * cols; k++)
                json_array_append_new(vs, isnan(out[k]) ? json_null() : json_real(out[k]));
            *result = json_pack("{s:o,s:o,s:o}", "frequency", fs, "recency", rs, "values", vs);
        }
        free(model), free(value), free(out);
    } else {
        char *model = json_dumps(json_object_get(input, "model"), JSON_COMPACT);
        const char *what = json_string_value(json_object_get(input, "prediction"));
        size_t len = n;
        double *nt = NULL;
        if (json_object_get(input, "t")) {
            nt = doubles(json_object_get(input, "t"));
            len = json_array_size(json_object_get(input, "t"));
        }
        double *out = calloc(len + 1, sizeof *out);
        if (strcmp(what, "p_alive") == 0)
            s = eng_clv_p_alive(model, strlen(model), f, r, t, n, out);
        else if (strcmp(what, "conditional_expected_purchases") == 0)
            s = eng_clv_conditional_expected_purchases(model, strlen(model),
                                                       real(json_object_get(input, "horizon")), f, r, t,
                                                       n, out);
        else if (strcmp(what, "expected_purchases_new") == 0)
            s = eng_clv_expected_purchases_new(model, strlen(model), nt, len, out);
        else if (strcmp(what, "survival") == 0)
            s = eng_clv_survival(model, strlen(model), nt, len, out);
        else if (strcmp(what, "retention_rate") == 0)
            s = eng_clv_retention_rate(model, strlen(model), nt, len, out);
        else if (strcmp(what, "expected_spend") == 0)
            s = eng_clv_expected_spend(model, strlen(model), f, m, n, out);
        else if (strcmp(what, "probability_of_purchases") == 0) {
            double *x = doubles(json_object_get(input, "x"));
            s = eng_clv_probability_of_purchases(model, strlen(model), nt, x, len, out);
            free(x);
        } else if (strcmp(what, "discounted_value") == 0) {
            double *spend = doubles(json_object_get(input, "spend"));
            char *cfg;
            config_text(config, &cfg);
            s = eng_clv_discounted_value(model, strlen(model), f, r, t, spend, n, cfg, text_len(cfg), out);
            free(spend), free(cfg);
        }
        else {
            fprintf(stderr, "unknown prediction %s\n", what);
            exit(2);
        }
        if (s == ENG_STATUS_OK) *result = json_pack("{s:o}", "values", f64_array(out, len));
        free(model), free(nt), free(out);
    }
    free(f), free(r), free(t), free(m), free(w);
    return s;
}

static json_t *interval(eng_interval i) { return json_pack("{s:f,s:f}", "low", i.low, "high", i.high); }

static json_t *proportion_json(eng_proportion p) {
    return json_pack("{s:I,s:I,s:f,s:f,s:f,s:f}", "successes", (json_int_t)p.successes, "trials",
                     (json_int_t)p.trials, "rate", p.rate, "ci_low", p.ci_low, "ci_high", p.ci_high, "level", p.level);
}

static uint64_t arm_field(const json_t *input, const char *arm, const char *field) {
    return (uint64_t)json_integer_value(json_object_get(json_object_get(input, arm), field));
}

static double number(const json_t *input, const char *key) { return real(json_object_get(input, key)); }

static eng_status op_experiment(const char *op, const json_t *input, const json_t *config, json_t **result) {
    eng_status s;
    uint64_t cs = arm_field(input, "control", "successes"), cn = arm_field(input, "control", "trials");
    uint64_t ts = arm_field(input, "treatment", "successes"), tn = arm_field(input, "treatment", "trials");
    if (strcmp(op, "conversion_test") == 0) {
        eng_conversion_result r;
        s = eng_conversion_test(cs, cn, ts, tn, number(input, "level"), &r);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:o,s:o,s:f,s:o,s:f,s:o,s:f,s:f,s:f,s:f}", "control", proportion_json(r.control),
                                "treatment", proportion_json(r.treatment), "difference", r.difference,
                                "difference_interval", interval(r.difference_interval), "relative_lift",
                                r.relative_lift, "relative_lift_interval", interval(r.relative_lift_interval), "z",
                                r.z, "chi_square", r.chi_square, "p_value", r.p_value, "level", r.level);
    } else if (strcmp(op, "bayesian_conversion_test") == 0) {
        const json_t *a = json_object_get(config, "alpha"), *b = json_object_get(config, "beta");
        eng_bayesian_result r;
        s = eng_bayesian_conversion_test(cs, cn, ts, tn, a ? real(a) : 1.0,
                                         b ? real(b) : 1.0, number(input, "level"), &r);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:f,s:f,s:f,s:f,s:f,s:o,s:o,s:f}", "prob_treatment_better", r.prob_treatment_better,
                                "expected_loss_treatment", r.expected_loss_treatment, "expected_loss_control",
                                r.expected_loss_control, "control_mean", r.control_mean, "treatment_mean",
                                r.treatment_mean, "control_interval", interval(r.control_interval),
                                "treatment_interval", interval(r.treatment_interval), "level", r.level);
    } else if (strcmp(op, "welch_test") == 0) {
        const json_t *c = json_object_get(input, "control"), *t = json_object_get(input, "treatment");
        double *cv = doubles(c), *tv = doubles(t);
        eng_welch_result r;
        s = eng_welch_test(cv, json_array_size(c), tv, json_array_size(t), number(input, "level"), &r);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:f,s:f,s:f,s:o,s:f,s:f,s:f,s:f}", "control_mean", r.control_mean,
                                "treatment_mean", r.treatment_mean, "difference", r.difference,
                                "difference_interval", interval(r.difference_interval), "t", r.t,
                                "degrees_of_freedom", r.degrees_of_freedom, "p_value", r.p_value, "level", r.level);
        free(cv), free(tv);
    } else if (strcmp(op, "sample_size_two_proportions") == 0) {
        double n;
        s = eng_sample_size_two_proportions(number(input, "baseline"), number(input, "minimum_detectable_effect"),
                                            number(input, "alpha"), number(input, "power"), &n);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:f}", "n_per_group", n);
    } else {
        double power;
        s = eng_power_two_proportions(number(input, "baseline"), number(input, "minimum_detectable_effect"),
                                      number(input, "n_per_group"), number(input, "alpha"), &power);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:f}", "power", power);
    }
    return s;
}

/* Experiment readouts (unit columns or arm sums), the sample-ratio check and p-value corrections. */
static eng_status op_readout(const char *op, const json_t *input, const json_t *config, json_t **result) {
    eng_status s;
    char *cfg = NULL, *json = NULL;
    config_text(config, &cfg);
    if (!strcmp(op, "readout")) {
        const json_t *arm = json_object_get(input, "arm");
        size_t n = json_array_size(arm);
        static const char *keys[] = {"values", "denominators", "pre_values", "pre_denominators"};
        double *col[4] = {NULL, NULL, NULL, NULL};
        int same = 1;
        for (int k = 0; k < 4; k++) {
            const json_t *a = json_object_get(input, keys[k]);
            if (a) col[k] = doubles(a), same &= json_array_size(a) == n;
        }
        uint32_t *arms = calloc(n + 1, sizeof *arms);
        for (size_t i = 0; i < n; i++) arms[i] = (uint32_t)json_integer_value(json_array_get(arm, i));
        char *names = json_dumps(json_object_get(input, "arm_names"), JSON_COMPACT);
        /* Lengths as the vectors give them: a mismatch is reported as the engine would. */
        if (!same)
            s = ENG_STATUS_LENGTH_MISMATCH;
        else
            s = eng_readout_json(arms, col[0], col[1], col[2], col[3], n, names, strlen(names), cfg, text_len(cfg),
                                 &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        for (int k = 0; k < 4; k++) free(col[k]);
        free(arms), free(names);
    } else if (!strcmp(op, "readout_sums")) {
        char *arms = json_dumps(json_object_get(input, "arms"), JSON_COMPACT);
        s = eng_readout_sums_json(arms, strlen(arms), cfg, text_len(cfg), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free(arms);
    } else if (!strcmp(op, "srm_test")) {
        const json_t *c = json_object_get(input, "counts"), *w = json_object_get(input, "weights");
        size_t n = json_array_size(c);
        uint64_t *counts = calloc(n + 1, sizeof *counts);
        for (size_t i = 0; i < n; i++) counts[i] = (uint64_t)json_integer_value(json_array_get(c, i));
        double *weights = w ? doubles(w) : NULL, *expected = calloc(n + 1, sizeof *expected);
        eng_srm_result r;
        if (w && json_array_size(w) != n)
            s = ENG_STATUS_LENGTH_MISMATCH;
        else
            s = eng_srm_test(counts, weights, n, &r, expected);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:f,s:I,s:f,s:o}", "chi_square", r.chi_square, "degrees_of_freedom",
                                (json_int_t)r.degrees_of_freedom, "p_value", r.p_value, "expected",
                                f64_array(expected, n));
        free(counts), free(weights), free(expected);
    } else {
        const json_t *p = json_object_get(input, "p_values");
        const char *label = json_string_value(json_object_get(config, "correction"));
        size_t n = json_array_size(p);
        double *values = doubles(p), *out = calloc(n + 1, sizeof *out);
        s = eng_adjust_p_values(values, n, label ? label : "none", label ? strlen(label) : 4, out);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:o}", "adjusted", f64_array(out, n));
        free(values), free(out);
    }
    free(cfg);
    return s;
}

static uint8_t *flags(const json_t *a) {
    size_t n = json_array_size(a);
    uint8_t *v = malloc(n + 1);
    for (size_t i = 0; i < n; i++) v[i] = json_is_true(json_array_get(a, i)) ? 1 : 0;
    return v;
}

static json_t *rmst_json(const eng_rmst_result *r) {
    return json_pack("{s:f,s:f,s:f,s:f,s:f,s:f}", "tau", r->tau, "rmst", r->rmst, "standard_error", r->standard_error,
                     "ci_low", r->ci_low, "ci_high", r->ci_high, "level", r->level);
}

static eng_status op_survival(const char *op, const json_t *input, json_t **result) {
    eng_status s;
    if (strcmp(op, "rmst") == 0) {
        const json_t *d = json_object_get(input, "duration"), *o = json_object_get(input, "observed");
        double *dv = doubles(d);
        uint8_t *ov = flags(o);
        eng_rmst_result r;
        if (json_array_size(d) != json_array_size(o))
            s = ENG_STATUS_LENGTH_MISMATCH;
        else
            s = eng_rmst(dv, ov, json_array_size(d), number(input, "tau"), number(input, "level"), &r);
        if (s == ENG_STATUS_OK) *result = rmst_json(&r);
        free(dv), free(ov);
    } else if (strcmp(op, "rmst_difference") == 0) {
        const json_t *da = json_object_get(input, "duration_a"), *oa = json_object_get(input, "observed_a");
        const json_t *db = json_object_get(input, "duration_b"), *ob = json_object_get(input, "observed_b");
        double *dav = doubles(da), *dbv = doubles(db);
        uint8_t *oav = flags(oa), *obv = flags(ob);
        eng_rmst_difference_result r;
        if (!same_length(input, "duration_a", "observed_a", NULL) || !same_length(input, "duration_b", "observed_b", NULL))
            s = ENG_STATUS_LENGTH_MISMATCH;
        else
            s = eng_rmst_difference(dav, oav, json_array_size(da), dbv, obv, json_array_size(db), number(input, "tau"),
                                    number(input, "level"), &r);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:o,s:o,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f}", "a", rmst_json(&r.a), "b",
                                rmst_json(&r.b), "difference", r.difference, "standard_error", r.standard_error,
                                "ci_low", r.ci_low, "ci_high", r.ci_high, "z", r.z, "p_value", r.p_value, "ratio",
                                r.ratio, "ratio_ci_low", r.ratio_ci_low, "ratio_ci_high", r.ratio_ci_high, "level",
                                r.level);
        free(dav), free(dbv), free(oav), free(obv);
    } else if (strcmp(op, "kaplan_meier") == 0) {
        const json_t *d = json_object_get(input, "duration"), *o = json_object_get(input, "observed");
        double *dv = doubles(d);
        uint8_t *ov = flags(o);
        char *json = NULL;
        /* Lengths as the vectors give them, so a mismatch is the engine's to report. */
        if (json_array_size(d) != json_array_size(o))
            s = ENG_STATUS_LENGTH_MISMATCH;
        else
            s = eng_kaplan_meier_json(dv, ov, json_array_size(d), number(input, "level"), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free(dv), free(ov);
    } else {
        const json_t *da = json_object_get(input, "duration_a"), *oa = json_object_get(input, "observed_a");
        const json_t *db = json_object_get(input, "duration_b"), *ob = json_object_get(input, "observed_b");
        double *dav = doubles(da), *dbv = doubles(db);
        uint8_t *oav = flags(oa), *obv = flags(ob);
        eng_logrank_result r;
        if (!same_length(input, "duration_a", "observed_a", NULL) || !same_length(input, "duration_b", "observed_b", NULL))
            s = ENG_STATUS_LENGTH_MISMATCH;
        else
            s = eng_logrank_test(dav, oav, json_array_size(da), dbv, obv, json_array_size(db), &r);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:f,s:f,s:f,s:f}", "observed_a", r.observed_a, "expected_a", r.expected_a,
                                "statistic", r.statistic, "p_value", r.p_value);
        free(dav), free(dbv), free(oav), free(obv);
    }
    return s;
}

/* Appends the elements of a library JSON array to `to` (the string is freed). */
/* The first `rows` values of each column of `cols` (an array of arrays), one column after another. */
static double *matrix_f64(const json_t *cols, size_t rows) {
    size_t k = json_array_size(cols);
    double *v = calloc(k * rows + 1, sizeof *v);
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < rows; i++) v[j * rows + i] = real(json_array_get(json_array_get(cols, j), i));
    return v;
}

static uint32_t *matrix_u32(const json_t *cols, size_t rows) {
    size_t k = json_array_size(cols);
    uint32_t *v = calloc(k * rows + 1, sizeof *v);
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < rows; i++)
            v[j * rows + i] = (uint32_t)json_integer_value(json_array_get(json_array_get(cols, j), i));
    return v;
}

/* A Cox fit, then predictions for the first `predict_rows` customers. */
static eng_status op_cox(const json_t *input, const json_t *config, json_t **result) {
    const json_t *d = json_object_get(input, "duration"), *num = json_object_get(input, "numeric");
    const json_t *cat = json_object_get(input, "categorical"), *st = json_object_get(input, "strata");
    const json_t *cl = json_object_get(input, "clusters"), *times = json_object_get(input, "times");
    size_t n = json_array_size(d), rows = (size_t)json_integer_value(json_object_get(input, "predict_rows"));
    size_t nt = json_array_size(times), nk = json_array_size(num), ck = json_array_size(cat);
    /* One length for every column in C: columns of other lengths cannot be passed. */
    int same = json_array_size(json_object_get(input, "observed")) == n;
    for (size_t j = 0; j < nk; j++) same &= json_array_size(json_array_get(num, j)) == n;
    for (size_t j = 0; j < ck; j++) same &= json_array_size(json_array_get(cat, j)) == n;
    if (!same) return ENG_STATUS_LENGTH_MISMATCH;
    double *dv = doubles(d), *x = matrix_f64(num, n), *head = matrix_f64(num, rows), *tv = doubles(times);
    uint8_t *ov = flags(json_object_get(input, "observed"));
    uint32_t *c = matrix_u32(cat, n), *chead = matrix_u32(cat, rows);
    uint32_t *sv = NULL;
    if (json_is_array(st)) {
        sv = calloc(n + 1, sizeof *sv);
        for (size_t i = 0; i < n; i++) sv[i] = (uint32_t)json_integer_value(json_array_get(st, i));
    }
    uint64_t *clv = json_is_array(cl) ? u64s(cl) : NULL;
    char *columns = json_dumps(json_object_get(input, "columns"), JSON_COMPACT), *cfg, *model = NULL;
    config_text(config, &cfg);
    eng_status s = eng_cox_json(dv, ov, n, x, nk, c, ck, sv, clv, columns, strlen(columns), cfg, text_len(cfg),
                                &model, NULL);
    if (s == ENG_STATUS_OK) {
        double *ph = calloc(rows + 1, sizeof *ph), *sf = calloc(rows * nt + 1, sizeof *sf);
        s = eng_cox_predict(model, strlen(model), head, nk, chead, ck, sv, rows, columns, strlen(columns), tv, nt, ph,
                            sf);
        *result = take_json(model);
        if (s == ENG_STATUS_OK)
            json_object_set_new(*result, "prediction",
                                json_pack("{s:o,s:o}", "partial_hazard", f64_array(ph, rows), "survival",
                                          f64_array(sf, rows * nt)));
        else
            json_decref(*result), *result = NULL;
        free(ph), free(sf);
    }
    free(dv), free(x), free(head), free(tv), free(ov), free(c), free(chead), free(sv), free(clv), free(columns),
        free(cfg);
    return s;
}

static void append_json(json_t *to, char *s) {
    json_t *v = take_json(s);
    json_array_extend(to, v);
    json_decref(v);
}

/* Saved bytes (len in *len) as input.damage says: keep `truncate` bytes (negative: drop that many from the
 * end), or invert the byte at `flip`. The bytes are the library's; damage edits them in place. */
static void damage(const json_t *input, uint8_t *bytes, size_t *len) {
    const json_t *d = json_object_get(input, "damage");
    if (!d) return;
    const json_t *t = json_object_get(d, "truncate"), *f = json_object_get(d, "flip");
    if (t) {
        json_int_t keep = json_integer_value(t);
        size_t k = keep < 0 ? *len - (size_t)(-keep) : (size_t)keep;
        if (k < *len) *len = k;
    }
    if (f) bytes[json_integer_value(f)] ^= 0xff;
}

/* The engine through its saved form (for `persist`): saved, released, damaged as the case says, loaded. */
static eng_status reload_triggers(const json_t *input, eng_triggers **t) {
    uint8_t *bytes = NULL;
    size_t full = 0, len;
    eng_status s = eng_triggers_to_bytes(*t, &bytes, &full);
    if (s != ENG_STATUS_OK) return s;
    eng_triggers_free(*t);
    *t = NULL;
    len = full;
    damage(input, bytes, &len);
    s = eng_triggers_from_bytes(bytes, len, t);
    eng_bytes_free(bytes, full);
    return s;
}

/* Runs a trigger engine over the touchpoints, pushed in `chunks` (all at once when absent), then
 * advanced to `until`. */
static eng_status op_triggers(const json_t *input, const json_t *config, json_t **result) {
    columns c;
    char *definition = json_dumps(config, JSON_COMPACT), *json = NULL;
    eng_triggers *t = NULL;
    json_t *actions = json_array();
    eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
    if (s == ENG_STATUS_OK) s = eng_triggers_new(definition, strlen(definition), &t);
    const json_t *chunks = json_object_get(input, "chunks");
    int persist = json_is_true(json_object_get(input, "persist"));
    /* Event labels and campaign ids beside the touchpoints, when the case has them. */
    const json_t *ev = json_object_get(input, "event"), *ca = json_object_get(input, "campaign");
    eng_event_dictionary *dict = NULL;
    uint32_t *codes = NULL;
    uint64_t *campaign = ca ? u64s(ca) : NULL;
    /* C columns carry no length of their own: a shorter one is the caller's error, found here. */
    if (s == ENG_STATUS_OK && ((ev && json_array_size(ev) != c.n) || (ca && json_array_size(ca) != c.n)))
        s = ENG_STATUS_LENGTH_MISMATCH;
    if (s == ENG_STATUS_OK && ev) {
        size_t n = json_array_size(ev);
        const char **labels = calloc(n + 1, sizeof *labels);
        for (size_t i = 0; i < n; i++) labels[i] = json_string_value(json_array_get(ev, i));
        codes = calloc(n + 1, sizeof *codes);
        s = eng_event_dictionary_new(NULL, 0, &dict);
        if (s == ENG_STATUS_OK) s = eng_event_dictionary_intern(dict, labels, NULL, n, codes);
        free(labels);
    }
    size_t n_chunks = chunks ? json_array_size(chunks) : 1, start = 0;
    for (size_t k = 0; k < n_chunks && s == ENG_STATUS_OK; k++) {
        size_t size = chunks ? (size_t)json_integer_value(json_array_get(chunks, k)) : c.n;
        if (persist) s = reload_triggers(input, &t);
        if (s != ENG_STATUS_OK) break;
        if (ev || ca)
            s = eng_triggers_push_events_json(t,
                                              &(eng_touchpoints){.len = size, .customer = c.customer + start, .time = c.time + start, .channel = c.channel + start, .kind = c.kind + start, .value = c.value ? c.value + start : NULL, .event = codes ? codes + start : NULL, .dictionary = dict, .campaign = campaign ? campaign + start : NULL},
                                              &json, NULL);
        else
            s = eng_triggers_push_json(t,
                                       &(eng_touchpoints){.len = size, .customer = c.customer + start, .time = c.time + start, .channel = c.channel + start, .kind = c.kind + start, .value = c.value ? c.value + start : NULL, .rating = c.rating ? c.rating + start : NULL, .rating_scale = c.scale ? c.scale + start : NULL},
                                       &json, NULL);
        if (s == ENG_STATUS_OK) append_json(actions, json);
        start += size;
    }
    if (s == ENG_STATUS_OK && persist) s = reload_triggers(input, &t);
    if (s == ENG_STATUS_OK) {
        s = eng_triggers_advance_json(t, (int64_t)json_integer_value(json_object_get(input, "until")), &json, NULL);
        if (s == ENG_STATUS_OK) append_json(actions, json);
    }
    uint64_t suppressed = 0;
    if (s == ENG_STATUS_OK) s = eng_triggers_counts(t, NULL, NULL, &suppressed);
    if (s == ENG_STATUS_OK)
        *result = json_pack("{s:O,s:I}", "actions", actions, "suppressed", (json_int_t)suppressed);
    json_decref(actions);
    eng_triggers_free(t);
    eng_event_dictionary_free(dict);
    free(codes), free(campaign);
    free_columns(&c);
    free(definition);
    return s;
}


/* input.hostile: before each night's load a copy of the saved bytes cut short must be refused as corrupt
 * (no handle written), and before each night's push the night with its last row before 1970 must be
 * refused whole; the case's result is then that of the good nights alone. A hostile step that is not
 * refused as it should be fails the case with ENG_STATUS_PANIC. */
static int hostile(const json_t *input) { return json_is_true(json_object_get(input, "hostile")); }

static eng_status refused(eng_status got, eng_status want, const char *what) {
    if (got == want) return ENG_STATUS_OK;
    fprintf(stderr, "hostile night: %s gave status %d, not %d\n", what, (int)got, (int)want);
    return ENG_STATUS_PANIC;
}

/* A journey state pushed night by night (nights cut at input.cuts), saved and loaded (the handle
 * released in between) before each night and before reading input.read. */
static eng_status op_journey_state(const json_t *input, const json_t *config, json_t **result) {
    columns c, night;
    eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
    const json_t *r = json_object_get(input, "redemptions"), *cuts = json_object_get(input, "cuts");
    const json_t *rc = json_object_get(r, "customer"), *rt = json_object_get(r, "time"), *rp = json_object_get(r, "points");
    size_t m = json_array_size(rc);
    uint64_t *ru = calloc(m + 1, 8), *rpts = calloc(m + 1, 8);
    int64_t *rti = calloc(m + 1, 8);
    memset(&night, 0, sizeof night);
    night.customer = calloc(c.n + 1, 8), night.time = calloc(c.n + 1, 8), night.channel = calloc(c.n + 1, 1);
    night.kind = calloc(c.n + 1, 1), night.value = calloc(c.n + 1, 8), night.rating = calloc(c.n + 1, 4);
    night.scale = calloc(c.n + 1, 1);
    char *cfg = json_dumps(config, JSON_COMPACT);
    eng_journey_state *state = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0, full = 0;
    if (s == ENG_STATUS_OK) s = eng_journey_state_new(cfg, strlen(cfg), &state);
    if (s == ENG_STATUS_OK) s = eng_journey_state_to_bytes(state, &bytes, &full);
    int64_t lo = INT64_MIN;
    for (size_t k = 0; k <= json_array_size(cuts) + 1 && s == ENG_STATUS_OK; k++) {
        eng_journey_state_free(state);
        state = NULL;
        len = full;
        damage(input, bytes, &len);
        if (hostile(input)) {
            eng_journey_state *cut = NULL;
            s = refused(eng_journey_state_from_bytes(bytes, len ? len - 1 : 0, &cut), ENG_STATUS_CORRUPT, "a cut load");
            if (cut) s = refused(ENG_STATUS_OK, ENG_STATUS_CORRUPT, "a handle from a cut load");
            if (s != ENG_STATUS_OK) break;
        }
        s = eng_journey_state_from_bytes(bytes, len, &state);
        eng_bytes_free(bytes, full);
        bytes = NULL;
        if (s != ENG_STATUS_OK || k == json_array_size(cuts) + 1) break;
        int64_t hi = k < json_array_size(cuts) ? (int64_t)json_integer_value(json_array_get(cuts, k)) : INT64_MAX;
        size_t n = 0, reds = 0;
        for (size_t i = 0; i < c.n; i++) {
            if (c.time[i] < lo || c.time[i] >= hi) continue;
            night.customer[n] = c.customer[i], night.time[n] = c.time[i], night.channel[n] = c.channel[i];
            night.kind[n] = c.kind[i];
            if (c.value) night.value[n] = c.value[i];
            if (c.rating) night.rating[n] = c.rating[i];
            if (c.scale) night.scale[n] = c.scale[i];
            n++;
        }
        for (size_t i = 0; i < m; i++) {
            int64_t t = (int64_t)json_integer_value(json_array_get(rt, i));
            if (t < lo || t >= hi) continue;
            ru[reds] = (uint64_t)json_integer_value(json_array_get(rc, i));
            rti[reds] = t;
            rpts[reds++] = (uint64_t)json_integer_value(json_array_get(rp, i));
        }
        if (hostile(input) && n > 0) {
            int64_t last = night.time[n - 1];
            night.time[n - 1] = -1;
            s = refused(eng_journey_state_push(state,
                                               &(eng_touchpoints){.len = n, .customer = night.customer, .time = night.time, .channel = night.channel, .kind = night.kind, .value = c.value ? night.value : NULL, .rating = c.rating ? night.rating : NULL, .rating_scale = c.scale ? night.scale : NULL},
                                               ru, rti, rpts, reds),
                        ENG_STATUS_INVALID_INPUT, "a night with a row before 1970");
            night.time[n - 1] = last;
        }
        /* again: the last night pushed twice (a late night, refused). */
        int times = hi == INT64_MAX && json_object_get(input, "again") ? 2 : 1;
        for (int once = 0; once < times && s == ENG_STATUS_OK; once++)
            s = eng_journey_state_push(state,
                                       &(eng_touchpoints){.len = n, .customer = night.customer, .time = night.time, .channel = night.channel, .kind = night.kind, .value = c.value ? night.value : NULL, .rating = c.rating ? night.rating : NULL, .rating_scale = c.scale ? night.scale : NULL},
                                       ru, rti, rpts, reds);
        if (s == ENG_STATUS_OK) s = eng_journey_state_to_bytes(state, &bytes, &full);
        lo = hi;
    }
    const json_t *read = json_object_get(input, "read");
    char *json = NULL;
    const json_t *arg;
    if (s != ENG_STATUS_OK) {
    } else if ((arg = json_object_get(read, "history"))) {
        s = eng_journey_state_json(state, ENG_JOURNEY_STAGES, (int64_t)json_integer_value(json_object_get(arg, "until")),
                                   &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
    } else if ((arg = json_object_get(read, "loyalty"))) {
        s = eng_journey_state_json(state, ENG_JOURNEY_LOYALTY, (int64_t)json_integer_value(json_object_get(arg, "as_of")),
                                   &json, NULL);
        if (s == ENG_STATUS_OK) *result = tier_names(take_json(json));
    } else if (json_object_get(read, "funnel")) {
        s = eng_journey_state_json(state, ENG_JOURNEY_FUNNEL, 0, &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
    } else if ((arg = json_object_get(read, "cohorts"))) {
        s = eng_journey_state_json(state, ENG_JOURNEY_COHORTS, (int64_t)json_integer_value(json_object_get(arg, "as_of")),
                                   &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
    } else {
        /* The attribution table, read back into the JSON form of eng_attribute_json. */
        char *rule = json_dumps(json_object_get(read, "attribute"), JSON_COMPACT);
        eng_table *t = NULL;
        s = eng_journey_state_attribution_table(state, rule, strlen(rule), &t);
        if (s == ENG_STATUS_OK) {
            const int32_t *codes = NULL;
            const double *col[4];
            size_t n = 0, count = 0;
            static const char *names[4] = {"conversions", "value", "removal_effect", "value_removal_effect"};
            static const char *keys[4] = {"conversions", "value", "removal_effects", "value_removal_effects"};
            eng_table_codes(t, "channel", &codes, &n);
            json_t *out = json_object(), *channels = json_array();
            for (size_t i = 0; i < n; i++) {
                const char *label = NULL;
                eng_table_label(t, "channel", codes[i], &count, &label);
                json_array_append_new(channels, json_string(label));
            }
            json_object_set_new(out, "channels", channels);
            for (int k = 0; k < 4; k++) {
                eng_table_f64(t, names[k], &col[k], &n);
                int none = k >= 2 && n > 0 && isnan(col[k][0]);
                json_object_set_new(out, keys[k], none ? json_null() : f64_array(col[k], n));
            }
            *result = out;
        }
        eng_table_free(t);
        free(rule);
    }
    eng_bytes_free(bytes, full);
    eng_journey_state_free(state);
    free(cfg), free(ru), free(rpts), free(rti);
    free_columns(&night);
    free_columns(&c);
    return s;
}

/* Each day: load yesterday's saved store (the handle released in between), push the day's rows, save. */
static eng_status op_store_nightly(const json_t *input, const json_t *config, json_t **result) {
    columns c;
    eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
    eng_profile_store *store = NULL;
    uint8_t *bytes = NULL;
    size_t len = 0, full = 0, start = 0;
    char *cfg = NULL;
    config_text(config, &cfg);
    if (s == ENG_STATUS_OK) s = eng_profile_store_new(cfg, text_len(cfg), &store);
    if (s == ENG_STATUS_OK) s = eng_profile_store_to_bytes(store, &bytes, &full);
    const json_t *days = json_object_get(input, "days");
    for (size_t k = 0; k <= json_array_size(days) && s == ENG_STATUS_OK; k++) {
        eng_profile_store_free(store);
        store = NULL;
        len = full;
        damage(input, bytes, &len);
        if (hostile(input)) {
            eng_profile_store *cut = NULL;
            s = refused(eng_profile_store_from_bytes(bytes, len ? len - 1 : 0, &cut), ENG_STATUS_CORRUPT, "a cut load");
            if (cut) s = refused(ENG_STATUS_OK, ENG_STATUS_CORRUPT, "a handle from a cut load");
            if (s != ENG_STATUS_OK) break;
        }
        s = eng_profile_store_from_bytes(bytes, len, &store);
        eng_bytes_free(bytes, full);
        bytes = NULL;
        if (s != ENG_STATUS_OK || k == json_array_size(days)) break;
        size_t size = (size_t)json_integer_value(json_array_get(days, k));
        if (hostile(input) && size > 0) {
            int64_t *time = malloc(size * sizeof *time);
            memcpy(time, c.time + start, size * sizeof *time);
            time[size - 1] = -1;
            s = refused(eng_profile_store_push(store,
                                               &(eng_touchpoints){.len = size, .customer = c.customer + start, .time = time, .channel = c.channel + start, .kind = c.kind + start, .value = c.value ? c.value + start : NULL, .rating = c.rating ? c.rating + start : NULL, .rating_scale = c.scale ? c.scale + start : NULL}),
                        ENG_STATUS_INVALID_INPUT, "a day with a row before 1970");
            free(time);
            if (s != ENG_STATUS_OK) break;
        }
        s = eng_profile_store_push(store,
                                   &(eng_touchpoints){.len = size, .customer = c.customer + start, .time = c.time + start, .channel = c.channel + start, .kind = c.kind + start, .value = c.value ? c.value + start : NULL, .rating = c.rating ? c.rating + start : NULL, .rating_scale = c.scale ? c.scale + start : NULL});
        start += size;
        if (s == ENG_STATUS_OK) s = eng_profile_store_to_bytes(store, &bytes, &full);
    }
    if (s == ENG_STATUS_OK && json_object_get(input, "as_of")) {
        size_t n = 0, cap = c.n + 1;
        uint64_t *ids = calloc(cap, sizeof *ids);
        double *t = calloc(cap, 8), *e = calloc(cap, 8), *x = calloc(cap, 8), *v = calloc(cap, 8), *so = calloc(cap, 8);
        s = eng_profile_store_scores(store, (int64_t)json_integer_value(json_object_get(input, "as_of")), ids, t, e, x,
                                     v, so, cap, &n);
        if (s == ENG_STATUS_OK)
            *result = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o}", "customer", u64_array(ids, n), "total", f64_array(t, n),
                                "emotional", f64_array(e, n), "contextual", f64_array(x, n), "convenient",
                                f64_array(v, n), "social", f64_array(so, n));
        free(ids), free(t), free(e), free(x), free(v), free(so);
    } else if (s == ENG_STATUS_OK) {
        char *json = NULL;
        s = eng_profile_store_profiles_json(store, &json, NULL);
        if (s == ENG_STATUS_OK) *result = json_pack("{s:o}", "profiles", take_json(json));
    }
    eng_bytes_free(bytes, full);
    eng_profile_store_free(store);
    free(cfg);
    free_columns(&c);
    return s;
}

/* One partial per part (rows of that part), each passed through its binary form, merged in the given order. */
static eng_status op_partial(const json_t *input, const json_t *config, json_t **result) {
    columns c;
    eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
    char *spec = json_dumps(config, JSON_COMPACT);
    json_t *parts = json_object_get(input, "parts"), *order = json_object_get(input, "order");
    eng_partial *merged = NULL;
    for (size_t o = 0; s == ENG_STATUS_OK && o < json_array_size(order); o++) {
        json_int_t part = json_integer_value(json_array_get(order, o));
        columns p;
        memset(&p, 0, sizeof p);
        size_t alloc = c.n + 1;
        p.customer = calloc(alloc, sizeof *p.customer), p.time = calloc(alloc, sizeof *p.time);
        p.channel = calloc(alloc, 1), p.kind = calloc(alloc, 1), p.value = calloc(alloc, sizeof *p.value);
        if (c.rating) p.rating = calloc(alloc, sizeof *p.rating);
        if (c.scale) p.scale = calloc(alloc, 1);
        for (size_t i = 0; i < c.n; i++) {
            if (json_integer_value(json_array_get(parts, i)) != part) continue;
            p.customer[p.n] = c.customer[i], p.time[p.n] = c.time[i], p.channel[p.n] = c.channel[i];
            p.kind[p.n] = c.kind[i], p.value[p.n] = c.value ? c.value[i] : 0.0;
            if (c.rating) p.rating[p.n] = c.rating[i];
            if (c.scale) p.scale[p.n] = c.scale[i];
            p.n++;
        }
        eng_partial *built = NULL, *decoded = NULL;
        s = eng_partial_new(spec, strlen(spec),
                            &(eng_touchpoints){.len = p.n, .customer = p.customer, .time = p.time, .channel = p.channel, .kind = p.kind, .value = p.value, .rating = p.rating, .rating_scale = p.scale},
                            &built);
        size_t len = 0;
        uint8_t *bytes = NULL;
        if (s == ENG_STATUS_OK) {
            s = eng_partial_to_bytes(built, NULL, 0, &len); /* asks the size */
            if (s == ENG_STATUS_BUFFER_TOO_SMALL) {
                bytes = malloc(len);
                s = eng_partial_to_bytes(built, bytes, len, &len);
            }
        }
        if (s == ENG_STATUS_OK) s = eng_partial_from_bytes(bytes, len, &decoded);
        if (s == ENG_STATUS_OK) {
            if (!merged) merged = decoded, decoded = NULL;
            else s = eng_partial_merge(merged, decoded);
        }
        eng_partial_free(built);
        eng_partial_free(decoded);
        free(bytes);
        free_columns(&p);
    }
    json_t *level = json_object_get(input, "merge_with_level");
    if (s == ENG_STATUS_OK && level) {
        json_t *other_spec = json_deep_copy(config);
        json_object_set(other_spec, "level", level);
        char *text = json_dumps(other_spec, JSON_COMPACT);
        eng_partial *other = NULL;
        s = eng_partial_new(text, strlen(text), &(eng_touchpoints){.len = 0}, &other);
        if (s == ENG_STATUS_OK) s = eng_partial_merge(merged, other);
        eng_partial_free(other);
        free(text);
        json_decref(other_spec);
    }
    json_t *rule = json_object_get(input, "rule");
    char *json = NULL;
    if (s == ENG_STATUS_OK && rule) {
        char *r = json_dumps(rule, JSON_COMPACT);
        s = eng_partial_attribute_json(merged, r, strlen(r), &json, NULL);
        free(r);
    } else if (s == ENG_STATUS_OK) {
        s = eng_partial_result_json(merged, &json, NULL);
    }
    if (s == ENG_STATUS_OK) *result = take_json(json);
    eng_partial_free(merged);
    free(spec);
    free_columns(&c);
    return s;
}

static eng_status op_partial_bytes(const json_t *input, json_t **result) {
    const char *hex = json_string_value(json_object_get(input, "hex"));
    size_t len = strlen(hex) / 2;
    uint8_t *bytes = malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        bytes[i] = (uint8_t)v;
    }
    json_t *t = json_object_get(input, "truncate"), *f = json_object_get(input, "flip");
    if (t) len = (size_t)json_integer_value(t);
    if (f) bytes[json_integer_value(f)] ^= 0xff;
    eng_partial *p = NULL;
    char *json = NULL;
    eng_status s = eng_partial_from_bytes(bytes, len, &p);
    if (s == ENG_STATUS_OK) s = eng_partial_result_json(p, &json, NULL);
    if (s == ENG_STATUS_OK) *result = take_json(json);
    eng_partial_free(p);
    free(bytes);
    return s;
}

/* paths, event_funnel, sessions, attribute_events and retention_events over an event log (input.events): customer, time, event labels
 * (interned into a dictionary), and optional channel and kind labels, campaign and session ids. */
static eng_status op_events(const char *op, const json_t *input, const json_t *config, json_t **result) {
    const json_t *log = json_object_get(input, "events");
    const json_t *cu = json_object_get(log, "customer"), *ev = json_object_get(log, "event"),
                 *ch = json_object_get(log, "channel"), *ki = json_object_get(log, "kind"),
                 *ca = json_object_get(log, "campaign"), *se = json_object_get(log, "session"),
                 *va = json_object_get(log, "value");
    size_t n = json_array_size(cu);
    const json_t *optional[] = {json_object_get(log, "time"), ev, ch, ki, ca, se, va};
    for (size_t k = 0; k < 7; k++)
        if (optional[k] && json_array_size(optional[k]) != n) return ENG_STATUS_LENGTH_MISMATCH;
    uint64_t *customer = u64s(cu), *campaign = ca ? u64s(ca) : NULL, *session = se ? u64s(se) : NULL;
    int64_t *time = i64s(json_object_get(log, "time"));
    uint8_t *channel = NULL, *kind = NULL;
    uint32_t *codes = NULL;
    eng_event_dictionary *dict = NULL;
    char *cfg = NULL, *json = NULL;
    config_text(config, &cfg);
    eng_status s = ENG_STATUS_OK;
    /* Either label column may be left out (an event log reads it as "other"). */
    if (ch) channel = calloc(n + 1, 1);
    if (ki) kind = calloc(n + 1, 1);
    for (size_t i = 0; i < n && s == ENG_STATUS_OK; i++) {
        const char *c = ch ? json_string_value(json_array_get(ch, i)) : NULL,
                   *k = ki ? json_string_value(json_array_get(ki, i)) : NULL;
        if (c) s = eng_channel_code(c, strlen(c), &channel[i]);
        if (s == ENG_STATUS_OK && k) s = eng_kind_code(k, strlen(k), &kind[i]);
    }
    if (s == ENG_STATUS_OK && ev) {
        const char **labels = calloc(n + 1, sizeof *labels);
        size_t *lengths = calloc(n + 1, sizeof *lengths);
        for (size_t i = 0; i < n; i++) {
            labels[i] = json_string_value(json_array_get(ev, i));
            lengths[i] = json_string_length(json_array_get(ev, i));
        }
        codes = calloc(n + 1, sizeof *codes);
        s = eng_event_dictionary_new(NULL, 0, &dict);
        if (s == ENG_STATUS_OK) s = eng_event_dictionary_intern(dict, labels, lengths, n, codes);
        free(labels), free(lengths);
    }
    if (s == ENG_STATUS_OK) {
        if (!strcmp(op, "attribute_events")) {
            /* config: {"paths": {...options...}, "rule": {...}} */
            char *paths = json_dumps(json_object_get(config, "paths"), JSON_COMPACT);
            char *rule = json_dumps(json_object_get(config, "rule"), JSON_COMPACT);
            double *value = va ? doubles(va) : NULL;
            s = eng_attribute_events_json(&(eng_touchpoints){.len = n, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .event = ev ? codes : NULL, .dictionary = dict, .campaign = campaign},
                                          paths, text_len(paths), rule, text_len(rule), &json, NULL);
            if (s == ENG_STATUS_OK) *result = take_json(json);
            free(paths), free(rule), free(value);
        } else if (!strcmp(op, "stickiness_events")) {
            s = eng_stickiness_json(&(eng_touchpoints){.len = n, .customer = customer, .time = time, .channel = channel, .kind = kind, .event = ev ? codes : NULL, .dictionary = dict, .campaign = campaign},
                                    cfg, text_len(cfg), &json, NULL);
            if (s == ENG_STATUS_OK) *result = take_json(json);
        } else if (!strcmp(op, "lifecycle_events")) {
            s = eng_lifecycle_json(&(eng_touchpoints){.len = n, .customer = customer, .time = time, .channel = channel, .kind = kind, .event = ev ? codes : NULL, .dictionary = dict, .campaign = campaign},
                                   cfg, text_len(cfg), &json, NULL);
            if (s == ENG_STATUS_OK) *result = take_json(json);
        } else if (!strcmp(op, "experiment_readout")) {
            const json_t *a = json_object_get(input, "assignment");
            const json_t *ac = json_object_get(a, "customer"), *aa = json_object_get(a, "arm"),
                         *ae = json_object_get(a, "exposed_at");
            size_t m = json_array_size(ac);
            uint64_t *assigned = u64s(ac);
            int64_t *exposed = i64s(ae);
            uint32_t *arm = calloc(m + 1, sizeof *arm);
            for (size_t i = 0; i < json_array_size(aa); i++) arm[i] = (uint32_t)json_integer_value(json_array_get(aa, i));
            double *value = va ? doubles(va) : NULL;
            char *names = json_dumps(json_object_get(input, "arm_names"), JSON_COMPACT);
            if (json_array_size(aa) != m || json_array_size(ae) != m)
                s = ENG_STATUS_LENGTH_MISMATCH;
            else
                s = eng_experiment_readout_json(&(eng_touchpoints){.len = n, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .event = ev ? codes : NULL, .dictionary = dict, .campaign = campaign},
                                                assigned, arm, exposed, m, names, strlen(names), cfg, text_len(cfg),
                                                &json, NULL);
            if (s == ENG_STATUS_OK) *result = take_json(json);
            free(assigned), free(exposed), free(arm), free(value), free(names);
        } else if (!strcmp(op, "retention_events")) {
            double *value = va ? doubles(va) : NULL;
            s = eng_retention_json(&(eng_touchpoints){.len = n, .customer = customer, .time = time, .channel = channel, .kind = kind, .value = value, .event = ev ? codes : NULL, .dictionary = dict, .campaign = campaign},
                                   cfg, text_len(cfg), &json, NULL);
            if (s == ENG_STATUS_OK) *result = take_json(json);
            free(value);
        } else if (!strcmp(op, "paths")) {
            s = eng_paths_json(&(eng_touchpoints){.len = n, .customer = customer, .time = time, .channel = channel, .kind = kind, .event = ev ? codes : NULL, .dictionary = dict, .campaign = campaign, .session = session},
                               cfg, text_len(cfg), &json, NULL);
            if (s == ENG_STATUS_OK) *result = take_json(json);
        } else if (!strcmp(op, "event_funnel")) {
            s = eng_funnel_events_json(&(eng_touchpoints){.len = n, .customer = customer, .time = time, .channel = channel, .kind = kind, .event = ev ? codes : NULL, .dictionary = dict, .campaign = campaign, .session = session},
                                       cfg, text_len(cfg), &json, NULL);
            if (s == ENG_STATUS_OK) *result = take_json(json);
        } else {
            uint32_t *rows = calloc(n + 1, sizeof *rows);
            s = eng_sessions(&(eng_touchpoints){.len = n, .customer = customer, .time = time, .session = session},
                             cfg, text_len(cfg), rows, &json, NULL);
            if (s == ENG_STATUS_OK) {
                *result = take_json(json);
                json_t *r = json_array();
                for (size_t i = 0; i < n; i++) json_array_append_new(r, json_integer(rows[i]));
                json_object_set_new(*result, "row_session", r);
            }
            free(rows);
        }
    }
    eng_event_dictionary_free(dict);
    free(customer), free(campaign), free(session), free(time), free(channel), free(kind), free(codes), free(cfg);
    return s;
}

static eng_status run(const char *op, const json_t *input, const json_t *config, json_t **result) {
    if (!strcmp(op, "paths") || !strcmp(op, "event_funnel") || !strcmp(op, "sessions") ||
        !strcmp(op, "attribute_events") || !strcmp(op, "retention_events") || !strcmp(op, "lifecycle_events") ||
        !strcmp(op, "stickiness_events") || !strcmp(op, "experiment_readout"))
        return op_events(op, input, config, result);
    if (!strcmp(op, "partial")) return op_partial(input, config, result);
    if (!strcmp(op, "partial_bytes")) return op_partial_bytes(input, result);
    if (!strcmp(op, "clv_fit") || !strcmp(op, "clv_predict") || !strcmp(op, "clv_fit_retention") ||
        !strcmp(op, "clv_matrix") || !strcmp(op, "clv_period_transactions") || !strcmp(op, "clv_calibration_holdout") ||
        !strcmp(op, "clv_p_alive_history"))
        return op_clv(op, input, config, result);
    if (!strcmp(op, "triggers")) return op_triggers(input, config, result);
    if (!strcmp(op, "store_nightly")) return op_store_nightly(input, config, result);
    if (!strcmp(op, "journey_state")) return op_journey_state(input, config, result);
    if (!strcmp(op, "funnel_by")) {
        columns c;
        char *definition = json_dumps(config, JSON_COMPACT), *json = NULL;
        eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
        const json_t *by = json_object_get(input, "by");
        if (s == ENG_STATUS_OK && by) {
            char *by_text = json_dumps(by, JSON_COMPACT | JSON_ENCODE_ANY);
            s = eng_funnel_by_first_touch_json(&(eng_touchpoints){.len = c.n, .customer = c.customer, .time = c.time, .channel = c.channel, .kind = c.kind},
                                               definition, strlen(definition), by_text, strlen(by_text), &json, NULL);
            free(by_text);
        } else if (s == ENG_STATUS_OK) {
            const json_t *g = json_object_get(input, "groups");
            const json_t *gc = json_object_get(g, "customer"), *gg = json_object_get(g, "group");
            size_t n = json_array_size(gc);
            uint64_t *customer = calloc(n + 1, sizeof *customer);
            uint32_t *group = calloc(n + 1, sizeof *group);
            for (size_t i = 0; i < n; i++) {
                customer[i] = (uint64_t)json_integer_value(json_array_get(gc, i));
                group[i] = (uint32_t)json_integer_value(json_array_get(gg, i));
            }
            char *labels = json_dumps(json_object_get(g, "labels"), JSON_COMPACT);
            s = eng_funnel_by_group_json(&(eng_touchpoints){.len = c.n, .customer = c.customer, .time = c.time, .channel = c.channel, .kind = c.kind},
                                         definition, strlen(definition), customer, group, n, labels, strlen(labels),
                                         &json, NULL);
            free(customer), free(group), free(labels);
        }
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free_columns(&c);
        free(definition);
        return s;
    }
    if (!strcmp(op, "funnel")) {
        columns c;
        char *definition = json_dumps(config, JSON_COMPACT), *json = NULL;
        eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
        const json_t *camp = json_object_get(input, "campaign"), *hist = json_object_get(input, "stage_history");
        if (s == ENG_STATUS_OK && (camp || hist)) {
            uint64_t *campaign = NULL, *sc = NULL;
            uint8_t *st = NULL;
            int64_t *at = NULL;
            size_t m = 0;
            if (camp) {
                campaign = calloc(c.n + 1, sizeof *campaign);
                for (size_t i = 0; i < c.n; i++) campaign[i] = (uint64_t)json_integer_value(json_array_get(camp, i));
            }
            if (hist) {
                const json_t *hc = json_object_get(hist, "customer"), *hs = json_object_get(hist, "stage"),
                             *ha = json_object_get(hist, "entered_at");
                m = json_array_size(hc);
                sc = calloc(m + 1, sizeof *sc);
                st = calloc(m + 1, 1);
                at = calloc(m + 1, sizeof *at);
                for (size_t i = 0; i < m && s == ENG_STATUS_OK; i++) {
                    const char *label = json_string_value(json_array_get(hs, i));
                    sc[i] = (uint64_t)json_integer_value(json_array_get(hc, i));
                    at[i] = (int64_t)json_integer_value(json_array_get(ha, i));
                    s = eng_stage_code(label, strlen(label), &st[i]);
                }
            }
            if (s == ENG_STATUS_OK)
                s = eng_funnel_with_json(&(eng_touchpoints){.len = c.n, .customer = c.customer, .time = c.time, .channel = c.channel, .kind = c.kind, .campaign = campaign},
                                         sc, st, at, m, definition, strlen(definition), &json, NULL);
            free(campaign), free(sc), free(st), free(at);
        } else if (s == ENG_STATUS_OK)
            s = eng_funnel_json(&(eng_touchpoints){.len = c.n, .customer = c.customer, .time = c.time, .channel = c.channel, .kind = c.kind},
                                definition, strlen(definition), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free_columns(&c);
        free(definition);
        return s;
    }
    if (!strcmp(op, "journey_sequences")) {
        columns c;
        char *cfg = NULL, *json = NULL;
        eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
        config_text(config, &cfg);
        if (s == ENG_STATUS_OK)
            s = eng_journey_sequences_json(&(eng_touchpoints){.len = c.n, .customer = c.customer, .time = c.time, .channel = c.channel, .kind = c.kind},
                                           cfg, text_len(cfg), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free_columns(&c);
        free(cfg);
        return s;
    }
    if (!strcmp(op, "stage_transitions")) {
        if (!same_length(input, "customer", "stage", "entered_at", NULL)) return ENG_STATUS_LENGTH_MISMATCH;
        const json_t *cs = json_object_get(input, "customer"), *st = json_object_get(input, "stage");
        size_t n = json_array_size(cs);
        uint64_t *customer = malloc((n + 1) * sizeof *customer);
        uint8_t *stage = malloc(n + 1);
        int64_t *at = malloc((n + 1) * sizeof *at);
        eng_status s = ENG_STATUS_OK;
        for (size_t i = 0; i < n && s == ENG_STATUS_OK; i++) {
            const char *label = json_string_value(json_array_get(st, i));
            customer[i] = (uint64_t)json_integer_value(json_array_get(cs, i));
            at[i] = (int64_t)json_integer_value(json_array_get(json_object_get(input, "entered_at"), i));
            s = eng_stage_code(label, strlen(label), &stage[i]);
        }
        char *json = NULL;
        if (s == ENG_STATUS_OK) s = eng_stage_transitions_json(customer, stage, at, n, &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free(customer), free(stage), free(at);
        return s;
    }
    if (!strcmp(op, "cohorts")) {
        if (!same_length(input, "customer", "time", "value", NULL)) return ENG_STATUS_LENGTH_MISMATCH;
        const json_t *c = json_object_get(input, "customer");
        size_t n = json_array_size(c);
        uint64_t *customer = malloc((n + 1) * sizeof *customer);
        int64_t *time = malloc((n + 1) * sizeof *time);
        for (size_t i = 0; i < n; i++) {
            customer[i] = (uint64_t)json_integer_value(json_array_get(c, i));
            time[i] = (int64_t)json_integer_value(json_array_get(json_object_get(input, "time"), i));
        }
        double *value = doubles(json_object_get(input, "value"));
        char *cfg, *json = NULL;
        config_text(config, &cfg);
        eng_status s = eng_cohorts_json(customer, time, value, n,
                                        (int64_t)json_integer_value(json_object_get(input, "as_of")), cfg,
                                        text_len(cfg), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free(customer), free(time), free(value), free(cfg);
        return s;
    }
    if (!strcmp(op, "attribute_touchpoints")) {
        columns c;
        char *rule = NULL, *json = NULL;
        eng_status s = load_columns(json_object_get(input, "touchpoints"), &c);
        config_text(config, &rule);
        if (s == ENG_STATUS_OK)
            s = eng_attribute_touchpoints_json(&(eng_touchpoints){.len = c.n, .customer = c.customer, .time = c.time, .channel = c.channel, .kind = c.kind, .value = c.value},
                                               (int64_t)json_integer_value(json_object_get(input, "lookback")), rule,
                                               text_len(rule), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free_columns(&c);
        free(rule);
        return s;
    }
    if (!strcmp(op, "attribute")) {
        char *table = json_dumps(input, JSON_COMPACT), *rule, *json = NULL;
        config_text(config, &rule);
        eng_status s = eng_attribute_json(table, strlen(table), rule, text_len(rule), &json, NULL);
        if (s == ENG_STATUS_OK) *result = take_json(json);
        free(table), free(rule);
        return s;
    }
    if (!strcmp(op, "cox")) return op_cox(input, config, result);
    if (!strcmp(op, "kaplan_meier") || !strcmp(op, "logrank_test") || !strcmp(op, "rmst") ||
        !strcmp(op, "rmst_difference"))
        return op_survival(op, input, result);
    if (!strcmp(op, "readout") || !strcmp(op, "readout_sums") || !strcmp(op, "srm_test") ||
        !strcmp(op, "adjust_p_values"))
        return op_readout(op, input, config, result);
    if (!strcmp(op, "conversion_test") || !strcmp(op, "bayesian_conversion_test") || !strcmp(op, "welch_test") ||
        !strcmp(op, "sample_size_two_proportions") || !strcmp(op, "power_two_proportions"))
        return op_experiment(op, input, config, result);
    if (!strcmp(op, "profiles") || !strcmp(op, "scores") || !strcmp(op, "stages") || !strcmp(op, "segments"))
        return op_store(op, input, config, result);
    if (!strcmp(op, "history") || !strcmp(op, "loyalty")) return op_history_or_loyalty(op, input, config, result);
    return op_metric(op, input, config, result);
}

int main(int argc, char **argv) {
    const char *only = getenv("GOLDEN_CASE");
    for (int f = 1; f < argc; f++) {
        json_error_t err;
        json_t *file = json_load_file(argv[f], 0, &err);
        if (!file) {
            fprintf(stderr, "%s: %s\n", argv[f], err.text);
            return 2;
        }
        const char *area = json_string_value(json_object_get(file, "area"));
        json_t *cases = json_object_get(file, "cases");
        for (size_t i = 0; i < json_array_size(cases); i++) {
            json_t *c = json_array_get(cases, i);
            char id[256];
            snprintf(id, sizeof id, "%s/%s", area, json_string_value(json_object_get(c, "name")));
            if (only && strcmp(only, id) != 0) continue;
            const char *op = json_string_value(json_object_get(c, "op"));
            json_t *expected = json_object_get(c, "expected");
            double tol = real(json_object_get(c, "tolerance"));
            json_t *result = NULL;
            eng_status s = run(op, json_object_get(c, "input"), json_object_get(c, "config"), &result);
            int ok;
            json_t *want_error = json_object_get(expected, "error");
            if (want_error) {
                char name[128];
                snprintf(name, sizeof name, "ENG_STATUS_%s", json_string_value(want_error));
                for (char *p = name; *p; p++) *p = (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
                ok = s != ENG_STATUS_OK && strcmp(eng_status_name(s), name) == 0;
                if (!ok) fprintf(stderr, "  expected %s, got %s\n", name, eng_status_name(s));
            } else if (s != ENG_STATUS_OK) {
                char msg[512];
                size_t len;
                eng_last_error_message(msg, sizeof msg, &len);
                fprintf(stderr, "  unexpected %s: %s\n", eng_status_name(s), msg);
                ok = 0;
            } else {
                ok = compare(json_object_get(expected, "ok"), result, tol, id);
            }
            json_decref(result);
            if (ok) {
                passed++;
            } else {
                failed++;
                fprintf(stderr, "FAILED %s\n", id);
            }
        }
        json_decref(file);
    }
    printf("c golden vectors: %d passed, %d failed\n", passed, failed);
    printf("%d passed, %d failed\n", passed, failed);
    eng_shutdown();
    return failed == 0 && passed > 0 ? 0 : 1;
}
