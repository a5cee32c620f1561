// The header must compile as C++ (extern "C" linkage, no C-only constructs)
// and link: a few calls from C++.
#include <cstring>

#include "engagement.h"

int main() {
    eng_profile_store *store = nullptr;
    if (eng_profile_store_new(nullptr, 0, &store) != ENG_STATUS_OK) return 1;
    const uint64_t customer[1] = {7};
    const int64_t time[1] = {0};
    const uint8_t channel[1] = {ENG_CHANNEL_WEB};
    const uint8_t kind[1] = {ENG_KIND_PURCHASE};
    eng_touchpoints tp{};  // every column NULL, as in C
    tp.len = 1;
    tp.customer = customer;
    tp.time = time;
    tp.channel = channel;
    tp.kind = kind;
    eng_status s = eng_profile_store_push(store, &tp);
    size_t n = 0;
    if (s == ENG_STATUS_OK) s = eng_profile_store_len(store, &n);
    eng_profile_store_free(store);
    eng_shutdown();
    return s == ENG_STATUS_OK && n == 1 && std::strcmp(eng_status_name(ENG_STATUS_OK), "ENG_STATUS_OK") == 0 ? 0 : 1;
}
