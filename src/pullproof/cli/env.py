"""The exports ``pullproof env`` prints for real clients."""

from __future__ import annotations

from pullproof.app import Emulator


def exports(emulator: Emulator, proxy: str, node: str | None, identity: list[str],
            app_service: bool) -> list[tuple[str, str]]:
    ca = str(emulator.ca.cert_path)
    proxy_url = proxy
    lines: list[tuple[str, str]] = []
    if node:
        credential = emulator.put_node(node, identity)
        if app_service:
            lines += [("IDENTITY_ENDPOINT", f"{proxy}/msi/token"), ("IDENTITY_HEADER", credential)]
        else:
            proxy_url = proxy.replace("http://", f"http://{credential}@", 1)
    op = emulator.operator
    lines = [
        ("HTTPS_PROXY", proxy_url), ("HTTP_PROXY", proxy_url), ("https_proxy", proxy_url), ("http_proxy", proxy_url),
        ("NO_PROXY", ""), ("no_proxy", ""),
        ("REQUESTS_CA_BUNDLE", ca), ("SSL_CERT_FILE", ca), ("CURL_CA_BUNDLE", ca),
        ("AZURE_CORE_COLLECT_TELEMETRY", "false"), ("AZURE_CORE_SURVEY_MESSAGE", "false"),
        ("AZURE_EXTENSION_USE_DYNAMIC_INSTALL", "no"),
        ("PULLPROOF_DIRECT_URL", emulator.endpoints.direct),
        ("PULLPROOF_TENANT_ID", op.tenant_id), ("PULLPROOF_SUBSCRIPTION_ID", op.subscription_id),
        ("PULLPROOF_CLIENT_ID", op.client_id), ("PULLPROOF_CLIENT_SECRET", op.client_secret),
        ("PULLPROOF_USERNAME", op.username), ("PULLPROOF_PASSWORD", op.password),
        *lines,
    ]
    return lines
