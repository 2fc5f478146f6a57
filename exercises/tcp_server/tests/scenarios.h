/*
 * scenarios.h: test scenarios that both designs must pass. Level 2 runs them
 * on KV_THREADS, level 4 on KV_EVENT_LOOP, level 5 on both: one API, two
 * servers, the same behaviour seen from the clients' side.
 */
#ifndef SCENARIOS_H
#define SCENARIOS_H

#include "kv_test.h"

/* ---- serving (levels 2 and 4) ---- */
void serves_the_text_protocol(kv_mode mode);
void serves_resp_requests(kv_mode mode);
void two_clients_see_each_others_writes(kv_mode mode);
void an_idle_client_does_not_hold_up_another(kv_mode mode);
void a_command_cut_short_by_a_disconnect_never_runs(kv_mode mode);
void a_command_sent_a_byte_at_a_time_gets_one_reply(kv_mode mode);
void pipelined_commands_are_answered_in_order(kv_mode mode);
void a_megabyte_value_comes_back_whole(kv_mode mode);
void a_client_that_leaves_without_its_replies_harms_no_one(kv_mode mode);
void many_clients_at_once_get_their_own_answers(kv_mode mode, int clients, int rounds);
void stop_closes_connections_still_open(kv_mode mode);

/* ---- protocol errors (level 4, both designs) ---- */
void a_protocol_error_is_answered_then_the_connection_closes(kv_mode mode);
void a_line_too_long_is_answered_then_the_connection_closes(kv_mode mode);

/* ---- graceful shutdown (level 5) ---- */
void stop_answers_what_clients_already_sent(kv_mode mode);
void shutdown_refuses_new_connections_at_once(kv_mode mode);
void a_client_reading_during_shutdown_gets_every_reply(kv_mode mode);
void a_client_that_never_reads_cannot_hold_stop_past_the_grace(kv_mode mode);
void shutdown_from_a_signal_handler_stops_the_server(kv_mode mode);

/* A byte string of `len` bytes that varies (i * 7 % 251), so misplaced chunks show. */
char *patterned_value(size_t len);

/* "*3\r\n$3\r\nSET\r\n$<klen>\r\n<key>\r\n$<len>\r\n<value>\r\n", in a new heap buffer. */
char *set_command(const char *key, const char *value, size_t len, size_t *out_len);

/* "$<len>\r\n<value>\r\n", in a new heap buffer. */
char *bulk_reply(const char *value, size_t len, size_t *out_len);

#endif /* SCENARIOS_H */
