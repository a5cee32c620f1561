/* A soak of the nightly job: DAYS nights, each loading yesterday's store, journey state and trigger
 * engine from files, pushing the day's touchpoints, reading analyses and saving again, over a
 * customer base that grows for the first nights and then stays. Checks:
 *   - resident memory is flat once the customer count stops growing (the process's memory at the
 *     end at most 25% + 8 MB above its memory a quarter of the way through the stable nights);
 *   - no thread is left after eng_shutdown, and no handle: every handle is freed each night (the
 *     test command also runs it under valgrind, which reports any leak);
 *   - the store and journey state loaded after the last night equal ones built from every
 *     touchpoint at once.
 *
 * The journey state follows loyalty, a funnel and attribution paths. Of these only the path table
 * keeps growing with the nights (one count per distinct path ever seen); a followed stage history
 * would too (every stage change is its result), so it is left out here.
 *
 *   soak DAYS CUSTOMERS STATE_DIR     (the test command: seconds; scripts/soak: as long as asked)
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engagement.h"

#define DAY 86400
#define START 1700000000
#define ROWS_PER_DAY 1500

static const char JOURNEYS[] = "{\"loyalty\": {\"expiry_days\": 60, \"tier_window_days\": 30}, \"funnel\": {\"steps\": "
                               "[{\"name\": \"visit\", \"kinds\": [\"visit\"]}, {\"name\": \"buy\", \"kinds\": "
                               "[\"purchase\"]}], \"window\": 604800}, \"paths\": {\"lookback\": 1209600}}";
static const char RULES[] = "{\"rules\": [{\"name\": \"cart\", \"action\": \"remind\", \"when\": {\"type\": "
                            "\"abandoned_cart\", \"wait\": 7200}}, {\"name\": \"risk\", \"action\": \"win_back\", "
                            "\"when\": {\"type\": \"at_risk\"}}], \"cap\": {\"max\": 2, \"window\": 604800}}";

static void check(eng_status s, const char *what) {
    if (s == ENG_STATUS_OK) return;
    char msg[512];
    size_t len;
    eng_last_error_message(msg, sizeof msg, &len);
    fprintf(stderr, "%s: %s: %s\n", what, eng_status_name(s), msg);
    exit(1);
}

static long resident_kb(void) {
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f || fscanf(f, "%ld %ld", &pages, &resident) != 2) exit(1);
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static int threads_alive(void) {
    int n = 0;
    DIR *d = opendir("/proc/self/task");
    if (!d) return -1;
    for (struct dirent *e; (e = readdir(d));) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

static int exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    return f != NULL;
}

static int same_json(char *a, char *b) {
    int same = a && b && strcmp(a, b) == 0;
    eng_string_free(a);
    eng_string_free(b);
    return same;
}

int main(int argc, char **argv) {
    if (argc != 4 || atoi(argv[1]) < 8 || atoi(argv[2]) < 100) {
        fprintf(stderr, "usage: soak DAYS (>= 8) CUSTOMERS (>= 100) STATE_DIR\n");
        return 2;
    }
    const size_t days = (size_t)atoi(argv[1]), customers = (size_t)atoi(argv[2]), rows = days * ROWS_PER_DAY;
    char store_path[1024], state_path[1024], triggers_path[1024];
    snprintf(store_path, sizeof store_path, "%s/store.engs", argv[3]);
    snprintf(state_path, sizeof state_path, "%s/journeys.engj", argv[3]);
    snprintf(triggers_path, sizeof triggers_path, "%s/triggers.engt", argv[3]);
    remove(store_path), remove(state_path), remove(triggers_path);

    /* Every night's touchpoints, made up front (the test's own memory stays the same from here). The
     * customer base grows over the first quarter of the nights, then stays. */
    uint64_t *customer = malloc(rows * sizeof *customer);
    int64_t *time_ = malloc(rows * sizeof *time_);
    uint8_t *channel = malloc(rows), *kind = malloc(rows);
    double *value = malloc(rows * sizeof *value);
    if (!customer || !time_ || !channel || !kind || !value) return 1;
    const size_t growing = days / 4;
    uint64_t state = 7;
    for (size_t i = 0; i < rows; i++) {
        size_t day = i / ROWS_PER_DAY;
        size_t base = day >= growing ? customers : 100 + (customers - 100) * day / growing;
        state = state * 6364136223846793005u + 1442695040888963407u;
        uint64_t x = state >> 33;
        customer[i] = 1 + x % base;
        time_[i] = START + (int64_t)day * DAY + (int64_t)(i % ROWS_PER_DAY) * (DAY / ROWS_PER_DAY);
        channel[i] = (uint8_t)(x / 7 % 6);
        static const uint8_t kinds[] = {ENG_KIND_VISIT, ENG_KIND_VISIT, ENG_KIND_CLICK, ENG_KIND_OPEN,
                                        ENG_KIND_PURCHASE};
        kind[i] = kinds[x / 97 % 5];
        value[i] = kind[i] == ENG_KIND_PURCHASE ? (double)(5 + x % 120) : 0.0;
    }

    long settled = 0, highest = 0;
    size_t saved = 0;
    for (size_t day = 0; day < days; day++) {
        size_t from = day * ROWS_PER_DAY;
        const eng_touchpoints tonight = {.len = ROWS_PER_DAY, .customer = customer + from, .time = time_ + from,
                                         .channel = channel + from, .kind = kind + from, .value = value + from};
        const int64_t morning = START + (int64_t)(day + 1) * DAY;
        eng_profile_store *store = NULL;
        eng_journey_state *journeys = NULL;
        eng_triggers *triggers = NULL;
        check(exists(store_path) ? eng_profile_store_load(store_path, &store) : eng_profile_store_new(NULL, 0, &store),
              "load the store");
        check(exists(state_path) ? eng_journey_state_load(state_path, &journeys)
                                 : eng_journey_state_new(JOURNEYS, strlen(JOURNEYS), &journeys),
              "load the journey state");
        check(exists(triggers_path) ? eng_triggers_load(triggers_path, &triggers)
                                    : eng_triggers_new(RULES, strlen(RULES), &triggers),
              "load the trigger engine");
        check(eng_profile_store_push(store, &tonight), "push");
        check(eng_journey_state_push(journeys, &tonight, NULL, NULL, NULL, 0), "journey push");
        eng_table *due = NULL, *accounts = NULL, *steps = NULL;
        check(eng_triggers_push_table(triggers, &tonight, &due), "trigger push");
        check(eng_journey_state_loyalty_tables(journeys, morning, &accounts, NULL), "loyalty");
        check(eng_journey_state_funnel_table(journeys, &steps), "funnel");
        uint8_t *bytes = NULL;
        size_t len = 0;
        check(eng_journey_state_to_bytes(journeys, &bytes, &len), "state bytes");
        saved = len;
        eng_bytes_free(bytes, len);
        check(eng_profile_store_save(store, store_path), "save the store");
        check(eng_journey_state_save(journeys, state_path), "save the journey state");
        check(eng_triggers_save(triggers, triggers_path), "save the trigger engine");
        eng_table_free(due), eng_table_free(accounts), eng_table_free(steps);
        eng_triggers_free(triggers);
        eng_journey_state_free(journeys);
        eng_profile_store_free(store);
        long rss = resident_kb();
        if (day == growing + (days - growing) / 4) settled = rss;
        if (rss > highest) highest = rss;
        if (day % (days / 8) == 0 || day + 1 == days)
            printf("night %4zu: resident %6ld KB, journey state %8zu bytes\n", day + 1, rss, saved);
    }
    long end = resident_kb();

    /* The state after the last night against one bulk build of every touchpoint. */
    const eng_touchpoints everything = {.len = rows, .customer = customer, .time = time_, .channel = channel,
                                        .kind = kind, .value = value};
    eng_profile_store *nightly = NULL, *bulk = NULL;
    eng_journey_state *followed = NULL, *whole = NULL;
    check(eng_profile_store_load(store_path, &nightly), "load the store");
    check(eng_profile_store_new(NULL, 0, &bulk), "bulk store");
    check(eng_profile_store_push(bulk, &everything), "bulk push");
    check(eng_journey_state_load(state_path, &followed), "load the journey state");
    check(eng_journey_state_new(JOURNEYS, strlen(JOURNEYS), &whole), "bulk journey state");
    check(eng_journey_state_push(whole, &everything, NULL, NULL, NULL, 0), "bulk journey push");
    const int64_t as_of = START + (int64_t)days * DAY;
    int equal = 1;
    char *a = NULL, *b = NULL;
    check(eng_profile_store_profiles_json(nightly, &a, NULL), "profiles");
    check(eng_profile_store_profiles_json(bulk, &b, NULL), "profiles");
    equal &= same_json(a, b);
    for (uint32_t which = ENG_JOURNEY_LOYALTY; which <= ENG_JOURNEY_PATHS; which++) {
        if (which == ENG_JOURNEY_COHORTS) continue; /* not followed here */
        check(eng_journey_state_json(followed, which, as_of, &a, NULL), "journey json");
        check(eng_journey_state_json(whole, which, as_of, &b, NULL), "journey json");
        equal &= same_json(a, b);
    }
    eng_journey_state_free(followed), eng_journey_state_free(whole);
    eng_profile_store_free(nightly), eng_profile_store_free(bulk);
    free(customer), free(time_), free(channel), free(kind), free(value);
    eng_shutdown();
    int threads = threads_alive();

    printf("soak: %zu nights, %zu customers, %zu touchpoints; resident %ld KB settled, %ld KB at the end "
           "(highest %ld KB); %d thread after shutdown; nightly state %s the bulk build\n",
           days, customers, rows, settled, end, highest, threads, equal ? "equals" : "DIFFERS FROM");
    if (!equal || threads != 1 || end > settled + settled / 4 + 8192) {
        fprintf(stderr, "soak failed\n");
        return 1;
    }
    return 0;
}
