/* Places, lakes and rivers under the layers: the app's offline context (Natural Earth), drawn
 * by Leaflet. Water shows by zoom as in the app; place names are placed on every move, most
 * important first, where they overlap no other name and no marker of ours (a place with one of
 * our markers on its dot is left to the marker). */
(function () {
  "use strict";

  var im = (window.influencemap = window.influencemap || {});

  var WATER_LEAD = 0.5;
  var PLACE_LEAD = 0.2;
  var CAPITAL_ZOOM = 3.5;
  var TOWN_ZOOM = 3.0;
  var MAX_LABELS = 250;
  var OURS_NEAR_PX = 8;
  var REGION_ZOOM = 5.8;
  var MAX_REGIONS = 60;

  function decodeLine(flat, scale) {
    var line = new Array(flat.length >> 1);
    var x = 0;
    var y = 0;
    for (var i = 0, j = 0; i + 1 < flat.length; i += 2, j++) {
      x += flat[i];
      y += flat[i + 1];
      line[j] = new L.LatLng(y / scale, x / scale);
    }
    return line;
  }

  function riverWeight(rank) {
    return rank <= 2 ? 1.6 : rank <= 5 ? 1.2 : rank <= 8 ? 0.9 : 0.7;
  }

  function textSpan(className, text) {
    var span = document.createElement("span");
    span.className = className;
    span.textContent = text;
    return span;
  }

  im.context = function (map, data) {
    if (!map.getPane("im-context-water")) {
      map.createPane("im-context-water").style.zIndex = 255; // over the land (250)
      var placePane = map.createPane("im-context-places");
      placePane.style.zIndex = 345; // under the country names (350) and our layers (400)
      placePane.style.pointerEvents = "none";
    }
    var renderer = L.canvas({ pane: "im-context-water", padding: 0.2 });
    var scale = data.scale;
    var water = [];
    data.lakes.forEach(function (lake) {
      water.push({
        minZoom: lake[0],
        layer: L.polygon(lake[2].map(function (ring) { return decodeLine(ring, scale); }), {
          renderer: renderer, interactive: false, color: "#a9c3d3", weight: 0.7, fillColor: "#dce8ef", fillOpacity: 1,
        }),
      });
    });
    data.rivers.forEach(function (river) {
      water.push({
        minZoom: river[0],
        layer: L.polyline(river[2].map(function (part) { return decodeLine(part, scale); }), {
          renderer: renderer, interactive: false, color: "#9dbfd6", weight: riverWeight(river[1]), opacity: 1,
        }),
      });
    });
    var group = L.layerGroup();
    function showWater() {
      var zoom = map.getZoom();
      water.forEach(function (entry) {
        var wanted = entry.minZoom <= zoom + WATER_LEAD;
        if (wanted !== !!entry.shown) {
          if (wanted) group.addLayer(entry.layer);
          else group.removeLayer(entry.layer);
          entry.shown = wanted;
        }
      });
    }

    var places = data.places; // [name, lon, lat, minZoom, capital], most important first
    var labels = L.layerGroup();
    function oursInView(bounds) {
      var points = [];
      (im.features || []).forEach(function (layer) {
        if (!layer.getLatLng || !map.hasLayer(layer)) return; // clustered markers are not on the map
        var latlng = layer.getLatLng();
        if (bounds.contains(latlng)) points.push(map.latLngToContainerPoint(latlng));
      });
      return points;
    }
    function overlaps(a, b) {
      return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    }
    function showPlaces() {
      labels.clearLayers();
      var zoom = map.getZoom();
      var bounds = map.getBounds();
      var ours = oursInView(bounds);
      var taken = ours.map(function (p) { return [p.x - 7, p.y - 7, p.x + 7, p.y + 7]; });
      // the big layers' clusters and points on their canvas (drawn for this view first)
      if (im.bigPoints && im.bigPoints.sync) {
        im.bigPoints.sync().forEach(function (d) {
          var r = d.cluster ? d.r : 7;
          taken.push([d.x - r, d.y - r, d.x + r, d.y + r]);
        });
      }
      // The country names shown now (the basemap's) keep their room too.
      var box = map.getContainer().getBoundingClientRect();
      document.querySelectorAll(".im-country-label span").forEach(function (span) {
        var r = span.getBoundingClientRect();
        if (r.width > 0) taken.push([r.left - box.left - 3, r.top - box.top - 2, r.right - box.left + 3, r.bottom - box.top + 2]);
      });
      var placed = 0;
      var order = [];
      places.forEach(function (place, i) { if (place[4]) order.push(i); });
      places.forEach(function (place, i) { if (!place[4]) order.push(i); });
      for (var k = 0; k < order.length && placed < MAX_LABELS; k++) {
        var place = places[order[k]];
        var capital = !!place[4];
        if (capital ? zoom < CAPITAL_ZOOM : zoom < TOWN_ZOOM || place[3] > zoom + PLACE_LEAD) continue;
        var latlng = L.latLng(place[2], place[1]);
        if (!bounds.contains(latlng)) continue;
        var p = map.latLngToContainerPoint(latlng);
        var near = ours.some(function (q) { return Math.abs(q.x - p.x) <= OURS_NEAR_PX && Math.abs(q.y - p.y) <= OURS_NEAR_PX; });
        if (near) continue;
        var width = place[0].length * (capital ? 7.2 : 6.4) + 10;
        var rect = [p.x - 4, p.y - 8, p.x + width, p.y + 8];
        if (taken.some(function (r) { return overlaps(r, rect); })) continue;
        taken.push(rect);
        placed++;
        var html = document.createElement("div");
        html.appendChild(textSpan("im-place-dot", ""));
        html.appendChild(textSpan("im-place-name", place[0]));
        labels.addLayer(L.marker(latlng, {
          pane: "im-context-places",
          interactive: false,
          keyboard: false,
          icon: L.divIcon({ html: html, className: "im-place" + (capital ? " im-capital" : ""), iconSize: null }),
        }));
      }
      // Region names last, light: only where the room is left.
      if (zoom < REGION_ZOOM) return;
      var regionsPlaced = 0;
      (data.regions || []).forEach(function (region) {
        if (regionsPlaced >= MAX_REGIONS) return;
        var latlng = L.latLng(region[2], region[1]);
        if (!bounds.contains(latlng)) return;
        var p = map.latLngToContainerPoint(latlng);
        var half = region[0].length * 3.3 + 6;
        var rect = [p.x - half, p.y - 10, p.x + half, p.y + 10];
        if (taken.some(function (r) { return overlaps(r, rect); })) return;
        taken.push(rect);
        regionsPlaced++;
        var html = document.createElement("div");
        html.appendChild(textSpan("im-region-name", region[0]));
        labels.addLayer(L.marker(latlng, {
          pane: "im-context-places",
          interactive: false,
          keyboard: false,
          icon: L.divIcon({ html: html, className: "im-region", iconSize: null }),
        }));
      });
    }
    map.on("zoomend", showWater);
    map.on("moveend", showPlaces);
    // Online tiles name places and draw water themselves: the context goes with the offline base.
    map.on("baselayerchange", function (event) {
      if (event.layer && event.layer.options && event.layer.options.attribution === data.baseAttribution) {
        if (!map.hasLayer(layer)) map.addLayer(layer);
      } else if (map.hasLayer(layer)) {
        map.removeLayer(layer);
      }
    });
    showWater();
    var layer = L.layerGroup([group, labels]);
    layer.on("add", function () { showWater(); showPlaces(); });
    // Our markers are made after this layer: once the page is ready, place the names again
    // so that none sits on one of them.
    var waited = 0;
    var wait = window.setInterval(function () {
      waited += 1;
      if (im.ready || waited > 100) {
        window.clearInterval(wait);
        showPlaces();
      }
    }, 100);
    return layer;
  };
})();
