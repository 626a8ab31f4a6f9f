"""Where and on what a login happened, as far as we can tell offline.

The network is the IP's /16 (IPv4) or /48 (IPv6): what a mobile or home connection keeps
from one day to the next. It is stored only as a keyed hash; residents are shown a masked
IP, or a region once a GeoIP database is configured (`region_of` is the hook).
"""

from __future__ import annotations

import ipaddress
import re

from shuiwu.crypto import keyring

LOCAL = "本机/内网"


def _address(ip: str | None):
    """The IP as an address object (an IPv4-mapped IPv6 one as plain IPv4), or None."""
    try:
        address = ipaddress.ip_address(ip) if ip else None
    except ValueError:
        return None
    if address is not None and address.version == 6 and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def network_key(ip: str | None) -> str:
    address = _address(ip)
    if address is None:
        return ""
    prefix = 16 if address.version == 4 else 48
    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    return keyring().blind_index("network", str(network))


def region_of(ip: str) -> str | None:
    """City or province of a public IP. No offline GeoIP database ships yet: None."""
    return None


def describe(ip: str | None) -> str:
    """What the resident sees: 本机/内网, a region, or a masked IP such as `IP 1.2.*.*`."""
    address = _address(ip)
    if address is None:
        return "未知位置"
    if address.is_private or address.is_loopback or address.is_link_local:
        return LOCAL
    region = region_of(str(address))
    if region:
        return region
    if address.version == 4:
        a, b, *_ = str(address).split(".")
        return f"IP {a}.{b}.*.*"
    groups = address.exploded.split(":")[:3]
    return "IP " + ":".join(g.lstrip("0") or "0" for g in groups) + ":*"


_BROWSERS = (
    (r"MicroMessenger", "微信"),
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/", "Chrome"),
    (r"Safari/", "Safari"),
)
_SYSTEMS = (
    (r"iPhone|iPad|iPod", "iOS"),
    (r"HarmonyOS", "HarmonyOS"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"Linux", "Linux"),
)


def device_of(user_agent: str | None) -> str:
    """"Chrome · Windows" from a User-Agent; 未知设备 when it says nothing we know."""
    ua = user_agent or ""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, ua)), None)
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, ua)), None)
    parts = [p for p in (browser, system) if p]
    return " · ".join(parts) if parts else (ua[:40] or "未知设备")
