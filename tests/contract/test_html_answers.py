"""A URL that is not a registry API: a proxy's or a web server's HTML page, with HTTP 200 or 404 (issue 29: the
200 made schema_registry_info and kafka_health raise "'str' object has no attribute 'get'", and
schema_subject_info listed the page's characters as subjects; the 404 dumped the page). Each module must say
what answered and what to check, without a traceback."""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from helpers import CLOSED, call_module

pytestmark = pytest.mark.contract

PAGE = b"<!DOCTYPE html><html><head><title>Welcome to nginx!</title></head><body>It works</body></html>"


@pytest.fixture(params=[200, 404])
def html_server(request):
    status = request.param

    class Handler(BaseHTTPRequestHandler):
        def _answer(self):
            self.send_response(status)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(PAGE)))
            self.end_headers()
            self.wfile.write(PAGE)

        do_GET = do_POST = do_PUT = do_DELETE = _answer

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield status, "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


TRADE = {"type": "record", "name": "Trade", "fields": [{"name": "symbol", "type": "string"}]}


@pytest.mark.parametrize("module, args", [
    ("schema_subject_info", {}),
    ("schema_subject", {"subject": "market.equities.trades-value", "schema": TRADE}),
    ("kafka_smoke_test", {"targets": [{"topic": "market.equities.trades.asx", "subject": "market.equities.trades-value"}]}),
])
def test_an_html_page_is_named_as_such_and_the_task_fails(html_server, module, args):
    status, url = html_server
    result = call_module(module, bootstrap_servers=CLOSED, request_timeout=5, schema_registry_urls=[url],
                         schema_registry_timeout=5, **args)
    assert result.get("failed"), result
    assert url in result["msg"] and "an HTML page, not a registry API answer (check the path of " \
        "schema_registry_urls" in result["msg"], result["msg"]
    assert "<html" not in result["msg"] and "subjects" not in result or result.get("subjects") in (None, []), result


def test_schema_registry_info_reports_the_html_answer_as_no_registry(html_server):
    status, url = html_server
    result = call_module("schema_registry_info", schema_registry_urls=[url], schema_registry_timeout=5)
    assert not result.get("failed"), result
    # whatever its status, nothing there speaks the API: not reachable as a registry, and it says why
    assert result["reachable"] is False and result["global_compatibility"] is None, result
    assert "HTTP %d with an HTML page, not a registry API answer" % status in result["instances"][0]["error"], result


def test_kafka_health_calls_the_html_answer_a_registry_that_does_not_answer(html_server):
    status, url = html_server
    result = call_module("kafka_health", checks=["registry"], schema_registry_urls=[url], schema_registry_timeout=5,
                         fail_on="never")
    assert not result.get("failed"), result
    finding = result["findings"][0]
    assert finding["check"] == "registry" and finding["status"] == "critical", result["findings"]
    assert url in finding["message"] and "HTML page" in finding["message"], finding
