/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The project builds with -fvisibility=hidden so that only the libkrun API
 * (and ckrun's extensions) leave libkrun.so.1; public definitions say so.
 */
#ifndef CKRUN_API_EXPORT_H
#define CKRUN_API_EXPORT_H

#define CKRUN_EXPORT __attribute__((visibility("default")))

#endif
