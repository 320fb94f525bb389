/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The byte layout of the fuzz targets' inputs, shared by the targets and the
 * seed generator (gen_corpus.c) so seeds are built with the same constants.
 *
 * Server targets (fuzz_server.c):
 *   input  := flags:u8 record*
 *   record := len:u16le outsize:u16le in_split:u8 out_split:u8 bytes[len]
 *   - bytes: one FUSE request as the guest writes it (fuse_in_header first);
 *     the last record may be cut short by the end of the input.
 *   - in_split: the request is handed over in 1 + (in_split % 16) iovecs,
 *     each its own allocation (so reads across an iovec end are caught).
 *   - out_split: low 4 bits: the reply buffer (outsize bytes) is split into
 *     1 + n iovecs; FZ_FIX_LEN: the harness overwrites fuse_in_header.len
 *     with the real request length (helps the fuzzer past the framing check;
 *     without it the fuzzer's own, possibly lying, length is used).
 *   - flags: FZ_NO_INIT: the harness does not send INIT first;
 *     FZ_FEW_FDS: the passthrough holds at most FZ_FEW_FDS_MAX O_PATH fds, so
 *     inodes beyond that are evicted to file handles and re-opened
 *     (open_by_handle_at) when next used;
 *     FZ_DAX: the server gets a DAX window of FZ_DAX_SIZE bytes.
 *
 * DAX target (fuzz_dax.c):
 *   input := op*   (FZ_DAX_OP bytes each, at most FZ_MAX_RECORDS)
 *   op    := kind:u8 dev:u8 node:u8 flags:u8 a:u16le b:u16le c:u16le d:u16le
 *   (meaning in fuzz_dax.c, op()); two windows of FZ_DAX_WIN bytes.
 *
 * Guest-reads target (fuzz_guest_reads.c):
 *   input := mode:u8 flip_seed:u8 bytes[]
 *   - mode & 1 == 0: bytes are one FUSE request (as the server targets'
 *     record bytes, length fixed up), served while a second thread keeps
 *     XOR-ing bytes of it with flip_seed-derived values;
 *   - mode & 1 == 1: bytes are a virtqueue image (as the virtqueue target's
 *     input after its first byte), popped while the thread mutates the
 *     descriptor table and the avail ring.
 *
 * Virtqueue target (fuzz_virtqueue.c):
 *   input := size_log2:u8 features:u8 desc:u16le avail:u16le used:u16le image[]
 *   - queue size 1 << (size_log2 % 9) (1..256);
 *   - features: bit 0 INDIRECT_DESC, bit 1 EVENT_IDX, bit 2 vq_unpop once;
 *   - desc/avail/used: byte offsets into guest memory, from FZ_VQ_GPA0;
 *   - image: copied into guest memory (region 0, then region 1).
 */
#ifndef CKRUN_FUZZ_FORMAT_H
#define CKRUN_FUZZ_FORMAT_H

#include <stdint.h>

#define FZ_NO_INIT        0x01u
#define FZ_FEW_FDS        0x02u
#define FZ_FEW_FDS_MAX    3u
#define FZ_DAX            0x04u
#define FZ_DAX_SIZE       (2u << 20)
#define FZ_FIX_LEN        0x80u
#define FZ_DAX_OP         12u
#define FZ_DAX_WIN        (16ull << 30)
#define FZ_REC_HDR        6u
#define FZ_MAX_RECORDS    64

/* Two adjacent regions (a buffer straddling them must be refused) and a gap. */
#define FZ_VQ_GPA0        0x10000ull
#define FZ_VQ_SIZE0       0x8000ull
#define FZ_VQ_GPA1        (FZ_VQ_GPA0 + FZ_VQ_SIZE0)
#define FZ_VQ_SIZE1       0x2000ull
#define FZ_VQ_HDR         8u

#endif
