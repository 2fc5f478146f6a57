/*
 * Level 5, graceful shutdown, in both designs: stop accepting at once,
 * answer what clients already sent, close every connection, free
 * everything (make valgrind and make memcheck prove the last part), and
 * never wait for ever on a client that does not read.
 * Run alone with `make test LEVEL=5`.
 */
#include "scenarios.h"

WB_LEVEL(5);

Test(level5, stop_answers_what_clients_already_sent_threads)
{
    stop_answers_what_clients_already_sent(KV_THREADS);
}

Test(level5, stop_answers_what_clients_already_sent_event_loop)
{
    stop_answers_what_clients_already_sent(KV_EVENT_LOOP);
}

Test(level5, shutdown_refuses_new_connections_at_once_threads)
{
    shutdown_refuses_new_connections_at_once(KV_THREADS);
}

Test(level5, shutdown_refuses_new_connections_at_once_event_loop)
{
    shutdown_refuses_new_connections_at_once(KV_EVENT_LOOP);
}

Test(level5, a_client_reading_during_shutdown_gets_every_reply_threads)
{
    a_client_reading_during_shutdown_gets_every_reply(KV_THREADS);
}

Test(level5, a_client_reading_during_shutdown_gets_every_reply_event_loop)
{
    a_client_reading_during_shutdown_gets_every_reply(KV_EVENT_LOOP);
}

Test(level5, a_client_that_never_reads_cannot_hold_stop_past_the_grace_threads)
{
    a_client_that_never_reads_cannot_hold_stop_past_the_grace(KV_THREADS);
}

Test(level5, a_client_that_never_reads_cannot_hold_stop_past_the_grace_event_loop)
{
    a_client_that_never_reads_cannot_hold_stop_past_the_grace(KV_EVENT_LOOP);
}

Test(level5, shutdown_from_a_signal_handler_stops_the_server_threads)
{
    shutdown_from_a_signal_handler_stops_the_server(KV_THREADS);
}

Test(level5, shutdown_from_a_signal_handler_stops_the_server_event_loop)
{
    shutdown_from_a_signal_handler_stops_the_server(KV_EVENT_LOOP);
}
