"""One ``requests`` session to the hub, with timeouts on every call and errors mapped to SyncError."""

from __future__ import annotations

import logging
from typing import Iterator

import requests
import urllib3

from ..errors import HubRefused, HubUnreachable

log = logging.getLogger(__name__)

USER_AGENT = "border-screening-appliance-sync/1"


def _json_object(resp: requests.Response, path: str) -> dict:
    """The JSON object of a hub answer; anything else means the URL is not a (working) hub."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise HubRefused(f"the answer for {path} is not the hub's JSON (is the hub URL right?)")
    return body


class HubSession:
    """Talks to one hub as one box: ``get_json``, ``post_json``, ``stream`` (for ranged downloads)."""

    def __init__(self, base_url: str, credential: str | None = None, *, connect_timeout: float = 10.0, read_timeout: float = 60.0):
        self.base_url = base_url.rstrip("/")
        self.timeout = (connect_timeout, read_timeout)
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        if credential:
            self.session.headers["Authorization"] = f"Bearer {credential}"

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        url = self.base_url + path
        try:
            resp = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.exceptions.SSLError:
            raise HubUnreachable(
                f"the TLS certificate of {self.base_url} is not trusted (install the CA, or set REQUESTS_CA_BUNDLE)"
            ) from None
        except requests.exceptions.Timeout:
            raise HubUnreachable(f"the hub at {self.base_url} did not answer in time") from None
        except requests.exceptions.ConnectionError:
            raise HubUnreachable(f"cannot connect to the hub at {self.base_url}") from None
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema, requests.exceptions.InvalidSchema):
            raise HubUnreachable(f"the hub URL {self.base_url!r} is not a valid http:// or https:// address") from None
        except requests.exceptions.RequestException as exc:
            raise HubUnreachable(f"request to the hub failed: {type(exc).__name__}") from None
        self._check(resp)
        return resp

    def _check(self, resp: requests.Response) -> None:
        if resp.status_code < 400:
            return
        try:
            body = resp.json()
        except ValueError:
            body = None
        if isinstance(body, dict):
            code, message = str(body.get("error", "error"))[:80], str(body.get("message", ""))[:300]
        else:  # not the hub's JSON error (a proxy page, another service at that URL)
            hint = " (is the hub URL right?)" if resp.status_code in (404, 405, 501) else ""
            code, message = "error", f"{resp.reason or ''}{hint}".strip()
        resp.close()
        if resp.status_code >= 500 or resp.status_code in (408, 429):
            raise HubUnreachable(f"the hub is not able to answer ({resp.status_code} {code}): {message}")
        err = HubRefused(f"the hub refused the request ({resp.status_code} {code}): {message}")
        err.status = resp.status_code
        err.code = code
        raise err

    def get_json(self, path: str, **params):
        """GET and decode JSON; None for 204 No Content."""
        resp = self._request("GET", path, params=params or None)
        if resp.status_code == 204:
            return None
        return _json_object(resp, path)

    def post_json(self, path: str, body: dict) -> dict:
        """POST a JSON body and decode the JSON object answered."""
        return _json_object(self._request("POST", path, json=body), path)

    def stream(self, path: str, *, start: int = 0) -> tuple[int, Iterator[bytes]]:
        """GET ``path`` from byte ``start`` (HTTP Range); return (status, chunk iterator)."""
        headers = {"Range": f"bytes={start}-"} if start else {}
        resp = self._request("GET", path, headers=headers, stream=True)

        def chunks():
            # read1 hands over whatever has arrived, so a dropped link loses no received byte
            try:
                while True:
                    chunk = resp.raw.read1(64 * 1024)
                    if not chunk:
                        break
                    yield chunk
            except (requests.exceptions.RequestException, urllib3.exceptions.HTTPError, OSError):
                raise HubUnreachable("the link dropped during the download (it will resume)") from None
            finally:
                resp.close()

        return resp.status_code, chunks()
