/* SPDX-License-Identifier: Apache-2.0 */
/* CHECK(cond): an invariant of the code under fuzzing; a broken one aborts
 * with the condition's text, which the fuzzer then reports as a crash. */
#ifndef CKRUN_FUZZ_CHECK_H
#define CKRUN_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                 \
	do {                                                                        \
		if (!(cond)) {                                                      \
			fprintf(stderr, "INVARIANT BROKEN: %s (%s:%d)\n", #cond,     \
				__FILE__, __LINE__);                                \
			abort();                                                    \
		}                                                                   \
	} while (0)

#endif
