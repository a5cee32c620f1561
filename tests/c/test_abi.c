/* The layout of every struct the header declares, as this compiler lays it out: size and alignment
 * of each struct, offset and size of each field. scripts/test compares the output with
 * tests/c/abi/v<ENG_ABI_VERSION>.txt, so a change of layout fails CI unless it comes with a new ABI
 * version (and its own file). engagement-ffi/tests/coverage.rs checks that every struct and field of
 * the header is listed here. */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>

#include "engagement.h"

#define S(type) printf("%s size %zu align %zu\n", #type, sizeof(type), alignof(type))
#define F(type, field) \
    printf("%s.%s offset %zu size %zu\n", #type, #field, offsetof(type, field), sizeof(((type *)0)->field))

int main(void) {
    if (eng_abi_version() != ENG_ABI_VERSION) {
        fprintf(stderr, "the library reports ABI %u, the header %d\n", eng_abi_version(), ENG_ABI_VERSION);
        return 1;
    }
    printf("ENG_ABI_VERSION %d\n", ENG_ABI_VERSION);
    S(eng_touchpoints);
    F(eng_touchpoints, len);
    F(eng_touchpoints, customer);
    F(eng_touchpoints, time);
    F(eng_touchpoints, channel);
    F(eng_touchpoints, kind);
    F(eng_touchpoints, value);
    F(eng_touchpoints, rating);
    F(eng_touchpoints, rating_scale);
    F(eng_touchpoints, event);
    F(eng_touchpoints, dictionary);
    F(eng_touchpoints, campaign);
    F(eng_touchpoints, session);
    S(eng_proportion);
    F(eng_proportion, successes);
    F(eng_proportion, trials);
    F(eng_proportion, rate);
    F(eng_proportion, ci_low);
    F(eng_proportion, ci_high);
    F(eng_proportion, level);
    S(eng_interval);
    F(eng_interval, low);
    F(eng_interval, high);
    S(eng_conversion_result);
    F(eng_conversion_result, control);
    F(eng_conversion_result, treatment);
    F(eng_conversion_result, difference);
    F(eng_conversion_result, difference_interval);
    F(eng_conversion_result, relative_lift);
    F(eng_conversion_result, relative_lift_interval);
    F(eng_conversion_result, z);
    F(eng_conversion_result, chi_square);
    F(eng_conversion_result, p_value);
    F(eng_conversion_result, level);
    S(eng_welch_result);
    F(eng_welch_result, control_mean);
    F(eng_welch_result, treatment_mean);
    F(eng_welch_result, difference);
    F(eng_welch_result, difference_interval);
    F(eng_welch_result, t);
    F(eng_welch_result, degrees_of_freedom);
    F(eng_welch_result, p_value);
    F(eng_welch_result, level);
    S(eng_bayesian_result);
    F(eng_bayesian_result, prob_treatment_better);
    F(eng_bayesian_result, expected_loss_treatment);
    F(eng_bayesian_result, expected_loss_control);
    F(eng_bayesian_result, control_mean);
    F(eng_bayesian_result, treatment_mean);
    F(eng_bayesian_result, control_interval);
    F(eng_bayesian_result, treatment_interval);
    F(eng_bayesian_result, level);
    S(eng_srm_result);
    F(eng_srm_result, chi_square);
    F(eng_srm_result, degrees_of_freedom);
    F(eng_srm_result, p_value);
    S(eng_churn_summary);
    F(eng_churn_summary, at_start);
    F(eng_churn_summary, lost);
    F(eng_churn_summary, new_customers);
    F(eng_churn_summary, at_end);
    F(eng_churn_summary, churn);
    F(eng_churn_summary, retention);
    S(eng_nps_summary);
    F(eng_nps_summary, n);
    F(eng_nps_summary, promoters);
    F(eng_nps_summary, passives);
    F(eng_nps_summary, detractors);
    F(eng_nps_summary, score);
    F(eng_nps_summary, std_error);
    F(eng_nps_summary, ci_low);
    F(eng_nps_summary, ci_high);
    F(eng_nps_summary, level);
    S(eng_logrank_result);
    F(eng_logrank_result, observed_a);
    F(eng_logrank_result, expected_a);
    F(eng_logrank_result, statistic);
    F(eng_logrank_result, p_value);
    S(eng_rmst_result);
    F(eng_rmst_result, tau);
    F(eng_rmst_result, rmst);
    F(eng_rmst_result, standard_error);
    F(eng_rmst_result, ci_low);
    F(eng_rmst_result, ci_high);
    F(eng_rmst_result, level);
    S(eng_rmst_difference_result);
    F(eng_rmst_difference_result, a);
    F(eng_rmst_difference_result, b);
    F(eng_rmst_difference_result, difference);
    F(eng_rmst_difference_result, standard_error);
    F(eng_rmst_difference_result, ci_low);
    F(eng_rmst_difference_result, ci_high);
    F(eng_rmst_difference_result, z);
    F(eng_rmst_difference_result, p_value);
    F(eng_rmst_difference_result, ratio);
    F(eng_rmst_difference_result, ratio_ci_low);
    F(eng_rmst_difference_result, ratio_ci_high);
    F(eng_rmst_difference_result, level);
    return 0;
}
