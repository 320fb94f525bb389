/* SPDX-License-Identifier: Apache-2.0 */
#ifndef CKRUN_API_PRELOAD_H
#define CKRUN_API_PRELOAD_H

/* Read the default kernel (or load libkrunfw when there is no kernel file)
 * into memory unless already done; see preload.c for why. */
void ckrun_preload_kernel(void);

#endif
