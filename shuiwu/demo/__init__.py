"""The demo city 清河市: fictional households whose water use is derived from real meter data."""
