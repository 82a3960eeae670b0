"""Plain folium's side of the HTML benchmark: one Marker with a Popup per feature, the way most
users write it (folium's default template loads Leaflet and friends from CDNs).

    python benchmarks/folium_plain.py FEATURES.geojson OUT.html
"""

from __future__ import annotations

import html
import json
import sys

import folium


def main() -> int:
    source, out = sys.argv[1], sys.argv[2]
    with open(source, encoding="utf-8") as f:
        collection = json.load(f)
    m = folium.Map(location=[48, 50], zoom_start=4)
    for feature in collection["features"]:
        lon, lat = feature["geometry"]["coordinates"][:2]
        p = feature["properties"]
        sources = "".join(f"<li>{html.escape(s.get('title') or '')}</li>" for s in p.get("sources") or [])
        popup = (
            f"<b>{html.escape(p['name'])}</b><br>{html.escape(p.get('description') or '')}"
            f"<br>{p.get('start') or ''}<ul>{sources}</ul>"
        )
        folium.Marker([lat, lon], popup=folium.Popup(popup, max_width=300), tooltip=p["name"]).add_to(m)
    m.save(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
