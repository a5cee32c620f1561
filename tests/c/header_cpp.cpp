// The header must compile as C++ (extern "C" linkage, no C-only constructs).
#include "engagement.h"

int main() {
    const char *v = eng_version();
    return v == nullptr ? 1 : 0;
}
