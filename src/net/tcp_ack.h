/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pure-ACK thinning for frames queued toward the guest (usernet.c).
 *
 * libslirp acknowledges every in-order segment it receives from the guest at
 * once, one frame per segment. When the user-mode network hands the guest a
 * batch of frames at a time, an ACK that a later frame of the same batch
 * supersedes (same connection, a strictly higher acknowledgment number)
 * carries nothing the guest still needs: its window is older too. Dropping it
 * saves the guest an interrupt's worth of receive work and the VMM a frame
 * through the device; Linux counts acknowledged bytes, not ACKs, so its
 * congestion window grows the same.
 *
 * Never dropped: anything but IPv4 TCP with only the ACK flag and no payload
 * (so SYN, FIN, RST, URG, PSH and data frames stay), IP fragments or frames
 * with IP options, and duplicate ACKs (an equal acknowledgment number: the
 * guest's fast retransmit counts those). Frames are read, never changed.
 */
#ifndef CKRUN_NET_TCP_ACK_H
#define CKRUN_NET_TCP_ACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * frames[i], lens[i] for i < n, oldest first; drop[] (n entries, set by the
 * caller, usually all false) gets true for each pure ACK that a later frame
 * of the same connection supersedes. Returns the number newly marked.
 * Connections beyond TCP_ACK_FLOWS within one call are left alone.
 */
#define TCP_ACK_FLOWS 16
size_t tcp_ack_thin(const uint8_t *const *frames, const size_t *lens, size_t n, bool *drop);

/* Whether a frame is one tcp_ack_thin may drop: IPv4 TCP, only the ACK flag,
 * no payload, no options. */
bool tcp_ack_is_pure(const uint8_t *frame, size_t len);

#endif
