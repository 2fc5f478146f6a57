/*
 * Level 3, validation: a long URL is stored only if it is an http or https
 * URL with a host, of sane bytes and length, that does not point back at
 * the service. Every refusal must come with its own status and store
 * nothing. Run alone with `make test LEVEL=3`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "url_test.h"

WB_LEVEL(3);

/* A service on BASE ("https://sho.rt/"), counting from FIRST_ID. */
static url_service *service(void)
{
    return new_service(NULL, FIRST_ID, false);
}

/* A service on `base` (not BASE), failing the test if url_create refuses it. */
static url_service *service_on(const char *base)
{
    url_config config = { .base = base, .first_id = FIRST_ID };
    url_service *svc = url_create(&config);
    cr_assert(svc != NULL, "url_create(base %s) returned NULL, expected a new service: %s",
              wb_q(base), "the base is an http(s) URL with a host, ending with '/'");
    return svc;
}

/* A URL of exactly `len` bytes: "https://example.com/" then 'a's. The caller frees it. */
static char *url_of_length(size_t len)
{
    static const char head[] = "https://example.com/";
    char *url = malloc(len + 1);
    cr_assert(url != NULL, "out of memory");
    memcpy(url, head, sizeof head - 1);
    memset(url + sizeof head - 1, 'a', len - (sizeof head - 1));
    url[len] = '\0';
    return url;
}

Test(level3, http_and_https_urls_are_accepted_in_any_case)
{
    url_service *svc = service();
    expect_accepted(svc, "http://example.com/", "plain http is allowed");
    expect_accepted(svc, "https://example.com/a?b=c&d=e#f", "https with a query and a fragment");
    expect_accepted(svc, "HTTPS://EXAMPLE.COM/", "schemes are case-insensitive (RFC 3986)");
    expect_accepted(svc, "hTtP://example.com", "no path at all is fine");
    expect_accepted(svc, "https://user:pw@example.com:8443/x", "user info and a port are fine");
    expect_accepted(svc, "http://[::1]:8080/", "an IPv6 literal is a host");
    expect_accepted(svc, "https://example.com/~a-b_c.d!$&'()*+,;=:@[]",
                    "every character RFC 3986 allows");
    expect_count(svc, 7, "seven good URLs were shortened");
    url_destroy(svc);
}

Test(level3, javascript_urls_are_refused)
{
    url_service *svc = service();
    expect_refused(svc, "javascript:alert(1)", URL_BAD_SCHEME,
                   "a javascript: link runs code in the page of whoever clicks it");
    expect_refused(svc, "JavaScript:alert(1)", URL_BAD_SCHEME,
                   "schemes are case-insensitive, for attackers too");
    expect_refused(svc, "javascript://example.com/%0Aalert(1)", URL_BAD_SCHEME,
                   "\"//\" starts a JavaScript comment and %0A ends it: a check for \"://\" or for "
                   "a host is not a check of the scheme");
    url_destroy(svc);
}

Test(level3, data_file_and_other_schemes_are_refused)
{
    url_service *svc = service();
    expect_refused(svc, "data:text/html;base64,PHNjcmlwdD4=", URL_BAD_SCHEME,
                   "a data: URL carries a whole page, scripts included");
    expect_refused(svc, "file:///etc/passwd", URL_BAD_SCHEME,
                   "a file: URL reads the clicker's own disk");
    expect_refused(svc, "ftp://example.com/", URL_BAD_SCHEME, "only http and https");
    expect_refused(svc, "httpx://example.com/", URL_BAD_SCHEME,
                   "\"httpx\" merely starts like \"http\"");
    expect_refused(svc, "http+unix://example.com/", URL_BAD_SCHEME, "only http and https");
    url_destroy(svc);
}

Test(level3, a_url_without_a_scheme_is_refused)
{
    url_service *svc = service();
    expect_refused(svc, "example.com/page", URL_BAD_SCHEME, "there is no ':' and so no scheme");
    expect_refused(svc, "//example.com/page", URL_BAD_SCHEME,
                   "a scheme-relative URL has no scheme to check");
    expect_refused(svc, "", URL_BAD_SCHEME, "the empty string has no scheme");
    expect_refused(svc, ":8080/x", URL_BAD_SCHEME, "the scheme before ':' is empty");
    url_destroy(svc);
}

Test(level3, spaces_and_control_bytes_are_refused)
{
    url_service *svc = service();
    expect_refused(svc, "https://example.com/a b", URL_BAD_CHAR, "a space is not a URL character");
    expect_refused(svc, "https://example.com/\ttab", URL_BAD_CHAR, "a tab is a control byte");
    expect_refused(svc, "https://example.com/\x01", URL_BAD_CHAR, "0x01 is a control byte");
    expect_refused(svc, "https://example.com/\x7f", URL_BAD_CHAR, "DEL (0x7f) is a control byte");
    expect_refused(svc, " https://example.com/", URL_BAD_CHAR,
                   "a leading space; the character check comes before the scheme check");
    url_destroy(svc);
}

Test(level3, cr_and_lf_are_refused_so_no_header_can_be_injected)
{
    url_service *svc = service();
    expect_refused(svc, "https://example.com/\r\nSet-Cookie: session=stolen", URL_BAD_CHAR,
                   "the URL becomes a Location header: a CR LF in it would end that header and "
                   "start one of the attacker's choosing");
    expect_refused(svc, "https://example.com/\nX: y", URL_BAD_CHAR, "a bare LF ends a line too");
    expect_refused(svc, "https://example.com/\r", URL_BAD_CHAR, "a bare CR is a control byte");
    url_destroy(svc);
}

Test(level3, non_ascii_and_unsafe_printable_bytes_are_refused)
{
    url_service *svc = service();
    const char *urls[] = { "https://example.com/caf\xc3\xa9", "https://example.com/<script>",
                           "https://example.com/\"q\"",       "https://example.com/a\\b",
                           "https://example.com/{x}",         "https://example.com/a|b",
                           "https://example.com/^",           "https://example.com/`" };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
        expect_refused(svc, urls[i], URL_BAD_CHAR,
                       "RFC 3986 has no such character: a browser would percent-encode it, and "
                       "a stored one can break out of an HTML attribute or a JSON string");
    url_destroy(svc);
}

Test(level3, percent_escapes_must_have_two_hex_digits)
{
    url_service *svc = service();
    expect_accepted(svc, "https://example.com/a%20b%2F%2f", "%20, %2F and %2f are escapes");
    expect_accepted(svc, "https://example.com/%0D%0A",
                    "an escaped CR LF is harmless text: it never becomes a raw line break");
    expect_refused(svc, "https://example.com/100%", URL_BAD_CHAR,
                   "a '%' at the end escapes nothing");
    expect_refused(svc, "https://example.com/%4", URL_BAD_CHAR, "\"%4\" has one hex digit");
    expect_refused(svc, "https://example.com/%zz", URL_BAD_CHAR, "\"zz\" is not hex");
    url_destroy(svc);
}

Test(level3, a_url_of_2048_bytes_is_accepted)
{
    url_service *svc = service();
    char *url = url_of_length(URL_MAX_LEN);
    char code[URL_CODE_SIZE];
    shorten_ok(svc, url, code);
    expect_resolves(svc, code, url, "a URL of exactly 2048 bytes is within the limit");
    free(url);
    url_destroy(svc);
}

Test(level3, a_url_of_2049_bytes_is_too_long)
{
    url_service *svc = service();
    char *url = url_of_length(URL_MAX_LEN + 1);
    expect_refused(svc, url, URL_TOO_LONG, "2049 bytes is one over the limit of 2048");
    free(url);
    url = url_of_length(100000);
    url[50000] = ' ';
    expect_refused(svc, url, URL_TOO_LONG,
                   "the length check comes first: a 100,000-byte URL is too long before it is "
                   "anything else");
    free(url);
    url_destroy(svc);
}

Test(level3, a_url_without_a_host_is_refused)
{
    url_service *svc = service();
    const char *urls[] = { "http://",        "https:///path", "https://?q=1",     "https://#top",
                           "http://user@/x", "http://:8080/", "https:example.com" };
    const char *whys[] = { "nothing after \"//\"",
                           "the authority before \"/path\" is empty",
                           "the authority before '?' is empty",
                           "the authority before '#' is empty",
                           "after the user info there is no host",
                           "a port with no host",
                           "no \"//\": without an authority there is no host" };
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++)
        expect_refused(svc, urls[i], URL_NO_HOST, whys[i]);
    url_destroy(svc);
}

Test(level3, the_services_own_links_are_refused)
{
    url_service *svc = service();
    expect_refused(svc, "https://sho.rt/100000", URL_LOOP,
                   "a short link to a short link makes chains, and loops that redirect forever");
    expect_refused(svc, "http://sho.rt/x", URL_LOOP, "the scheme does not matter");
    expect_refused(svc, "https://SHO.RT/x", URL_LOOP, "host names are case-insensitive");
    expect_refused(svc, "https://sho.rt:8443/x", URL_LOOP, "the port does not matter");
    expect_refused(svc, "https://sho.rt", URL_LOOP, "the bare host is the service too");
    url_destroy(svc);
}

Test(level3, a_loop_cannot_hide_behind_user_info_a_trailing_dot_or_escapes)
{
    url_service *svc = service();
    expect_refused(svc, "https://example.com@sho.rt/x", URL_LOOP,
                   "everything up to the last '@' is user info: the host is sho.rt");
    expect_refused(svc, "https://a:b@c@sho.rt/x", URL_LOOP, "the user info ends at the last '@'");
    expect_refused(svc, "https://sho.rt./x", URL_LOOP,
                   "\"sho.rt.\" (a fully qualified name) is the same host as \"sho.rt\"");
    expect_refused(svc, "https://sho%2Ert/x", URL_LOOP, "browsers decode %2E in a host to '.'");
    url_destroy(svc);
}

Test(level3, the_bases_host_is_normalised_like_the_urls)
{
    const char *bases[] = { "https://SHO.RT/", "https://sho.rt./", "https://sho%2Ert/",
                            "https://Sho%2ERt.:8443/" };
    for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
        url_service *svc = service_on(bases[i]);
        char why[256];
        snprintf(why, sizeof why,
                 "the base is %s: its host, lower-cased, %%-decoded and without its trailing "
                 "'.', is sho.rt, so a link to sho.rt points back at the service",
                 bases[i]);
        expect_refused(svc, "https://sho.rt/x", URL_LOOP, why);
        expect_refused(svc, "http://SHO.RT./y", URL_LOOP, why);
        expect_accepted(svc, "https://example.com/", "another host is no loop, whatever the base");
        url_destroy(svc);
    }
}

Test(level3, with_an_ipv6_base_only_that_address_is_a_loop)
{
    url_service *svc = service_on("http://[::1]:8080/");
    expect_accepted(svc, "http://[::2]/x",
                    "the base's host is [::1] and this one is [::2]: the port starts after ']', "
                    "not at the first ':' inside the brackets");
    expect_accepted(svc, "http://[2001:db8::1]:8080/x", "another IPv6 address on the same port");
    expect_refused(svc, "http://[::1]/x", URL_LOOP, "the same IPv6 address, without the port");
    expect_refused(svc, "https://[::1]:9999/y", URL_LOOP,
                   "the same IPv6 address: the scheme and the port do not matter");
    url_destroy(svc);
}

Test(level3, other_hosts_that_merely_look_like_the_service_are_accepted)
{
    url_service *svc = service();
    expect_accepted(svc, "https://sho.rt.example.com/", "a subdomain of another site");
    expect_accepted(svc, "https://notsho.rt/", "a host that ends like the service's");
    expect_accepted(svc, "https://example.com/?next=https://sho.rt/x",
                    "the service's URL in the query is not the host");
    expect_accepted(svc, "https://sho.rt@example.com/",
                    "\"sho.rt\" is user info here; the host is example.com");
    expect_count(svc, 4, "four URLs to other hosts were shortened");
    url_destroy(svc);
}

Test(level3, a_refused_url_uses_up_no_id_and_claims_no_alias)
{
    url_service *svc = service();
    expect_refused(svc, "javascript:alert(1)", URL_BAD_SCHEME, "not http or https");
    url_request req = { .long_url = "https://sho.rt/loop", .alias = "wanted" };
    expect_shorten(svc, &req, URL_LOOP, "the URL is checked before the alias is taken");
    alias_ok(svc, "https://example.com/", "wanted");
    char code[URL_CODE_SIZE];
    shorten_ok(svc, "https://example.com/good", code);
    expect_code(code, code_of(FIRST_ID), "the first accepted url_shorten",
                "refused requests must not move the counter");
    url_destroy(svc);
}

Test(level3, the_url_is_checked_before_the_alias)
{
    url_service *svc = service();
    url_request req = { .long_url = "data:text/html,hi", .alias = "admin" };
    expect_shorten(svc, &req, URL_BAD_SCHEME,
                   "both the URL and the alias are bad: the header's order puts the URL's "
                   "checks first");
    url_destroy(svc);
}
