/* influencemap: data layers and controls of an exported map, on top of Leaflet.
 *
 * Python writes the data as written in the YAML files; everything from it reaches the page as
 * text (textContent, text nodes), never as markup. The few strings set as HTML here are built
 * from numbers and colours checked against a pattern.
 *
 * What readers' scripts can rely on:
 *   influencemap.map                  the Leaflet map (also the global folium names it map_...)
 *   influencemap.layers[id]           {spec, layer, features}: the overlay on the map and its
 *                                     features, each its own Leaflet layer with .feature.properties
 *   influencemap.features             every feature's Leaflet layer, in catalog order
 *   influencemap.openFeature(id)      shows a feature and opens its popup
 *   influencemap.setYears(from, to, undated)   the year filter (null: open)
 */
(function () {
  "use strict";

  var im = (window.influencemap = window.influencemap || {});
  im.layers = {};
  im.features = [];
  im.ready = false;

  var HEX_COLOUR = /^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$/;
  var SAFE_LINK = /^(?:https?:|mailto:)/i;
  var SVG_NS = "http://www.w3.org/2000/svg";

  function colour(value, fallback) {
    return typeof value === "string" && HEX_COLOUR.test(value) ? value : fallback;
  }

  function number(value, fallback) {
    return typeof value === "number" && isFinite(value) ? value : fallback;
  }

  /* A count with thousands separators, 12,345 (toLocaleString's first call loads locale data:
   * a tenth of a second). */
  function count(n) {
    return String(Math.round(Number(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function keepEvents(node) {
    L.DomEvent.disableClickPropagation(node);
    L.DomEvent.disableScrollPropagation(node);
    return node;
  }

  /* The data Python wrote into a JSON block of the page, by the block's id. */
  im.data = function (id) {
    return JSON.parse(document.getElementById(id).textContent);
  };

  /* ---- columns ---------------------------------------------------------------------------- */

  /* A key set as an own property, even "__proto__" (JSON.parse does the same). */
  function setKey(object, key, value) {
    if (key === "__proto__") {
      Object.defineProperty(object, key, { value: value, writable: true, enumerable: true, configurable: true });
    } else {
      object[key] = value;
    }
  }

  function copy(value) {
    if (value === null || typeof value !== "object") return value;
    var i, item;
    if (Array.isArray(value)) {
      var list = new Array(value.length);
      for (i = 0; i < value.length; i++) {
        item = value[i];
        list[i] = item === null || typeof item !== "object" ? item : copy(item);
      }
      return list;
    }
    var out = {};
    var keys = Object.keys(value);
    for (i = 0; i < keys.length; i++) {
      item = value[keys[i]];
      setKey(out, keys[i], item === null || typeof item !== "object" ? item : copy(item));
    }
    return out;
  }

  function total(numbers) {
    var sum = 0;
    for (var i = 0; i < numbers.length; i++) sum += numbers[i];
    return sum;
  }

  /* The `count` values of a column node (influencemap/export/columns.py says what nodes are):
   * {c: constant}, {d: distinct values, i: indices}, {v: values}, {l: lengths, e: items},
   * {o: [[key, node, presence?], ...]}. No two rows share a list or an object. */
  function decodeRows(node, count) {
    var out = new Array(count);
    var i;
    if (Object.prototype.hasOwnProperty.call(node, "c")) {
      var constant = node.c;
      var simple = constant === null || typeof constant !== "object";
      for (i = 0; i < count; i++) out[i] = simple ? constant : copy(constant);
      return out;
    }
    if (Object.prototype.hasOwnProperty.call(node, "d")) {
      var table = node.d;
      var index = node.i;
      var simpleTable = table.every(function (value) { return value === null || typeof value !== "object"; });
      for (i = 0; i < count; i++) out[i] = simpleTable ? table[index[i]] : copy(table[index[i]]);
      return out;
    }
    if (Object.prototype.hasOwnProperty.call(node, "v")) return node.v;
    if (Object.prototype.hasOwnProperty.call(node, "l")) {
      var lengths = decodeRows(node.l, count);
      var items = decodeRows(node.e, total(lengths));
      for (var at = 0, row = 0; row < count; row++) {
        out[row] = items.slice(at, at + lengths[row]);
        at += lengths[row];
      }
      return out;
    }
    if (Object.prototype.hasOwnProperty.call(node, "o")) {
      for (i = 0; i < count; i++) out[i] = {};
      node.o.forEach(function (entry) {
        var key = entry[0];
        var r;
        if (entry.length > 2) {
          var present = decodeRows(entry[2], count);
          var values = decodeRows(entry[1], total(present));
          var k = 0;
          for (r = 0; r < count; r++) if (present[r]) setKey(out[r], key, values[k++]);
        } else {
          var column = decodeRows(entry[1], count);
          if (key === "__proto__") {
            for (r = 0; r < count; r++) setKey(out[r], key, column[r]);
          } else {
            for (r = 0; r < count; r++) out[r][key] = column[r];
          }
        }
      });
      return out;
    }
    throw new Error("influencemap: not a column node");
  }
  im.decodeRows = decodeRows;

  /* ---- catalog tables and properties ----------------------------------------------------- */

  var tables = { layers: {}, sources: {}, sourceDisplay: {}, countries: {}, propertyKeys: [], emptyProperties: {} };

  im.setTables = function (value) {
    tables = value;
    im.tables = value;
  };

  function resolveCitation(citation) {
    var source = tables.sources[citation.ref] || { id: citation.ref, title: citation.ref };
    return {
      id: source.id,
      title: source.title,
      url: source.url === undefined ? null : source.url,
      publisher: source.publisher === undefined ? null : source.publisher,
      author: source.author === undefined ? null : source.author,
      date: source.date === undefined ? null : source.date,
      locator: citation.locator === undefined ? null : citation.locator,
      quote: citation.quote === undefined ? null : citation.quote,
    };
  }

  /* The file leaves out empty properties and cites sources by id, to stay small; this restores
   * the properties the GeoJSON export writes, so readers' scripts see the same thing. */
  function expandProperties(compact) {
    var out = {};
    tables.propertyKeys.forEach(function (key) {
      if (key === "sources") {
        out.sources = (compact.sources || []).map(resolveCitation);
      } else if (Object.prototype.hasOwnProperty.call(compact, key)) {
        out[key] = compact[key];
      } else {
        var empty = tables.emptyProperties[key];
        out[key] = Array.isArray(empty) ? [] : empty === undefined ? null : empty;
      }
    });
    Object.keys(compact).forEach(function (key) {
      if (!Object.prototype.hasOwnProperty.call(out, key)) setKey(out, key, compact[key]);
    });
    return out;
  }

  /* ---- symbols ---------------------------------------------------------------------------- */

  /* The same shapes, outline and fill as the app's markers (render/symbols.py): a marker is about
   * `size` pixels across; a layer with its own fill colour gets an outline in its colour, one
   * without a light rim. */
  var MARKER_FILL_ALPHA = 0.92;
  var MARKER_RIM = "rgba(255,255,255,0.92)";
  var MARKER_STROKE = 1.2;

  function regular(sides, radius, c) {
    var points = [];
    for (var i = 0; i < sides; i++) {
      var angle = -Math.PI / 2 + (2 * Math.PI * i) / sides;
      points.push([c + radius * Math.cos(angle), c + radius * Math.sin(angle)]);
    }
    return points;
  }

  function markerShape(shape, size, c) {
    var r = size / 2;
    var f = function (v) { return (Math.round(v * 100) / 100).toString(); };
    var poly = function (points) {
      return '<polygon points="' + points.map(function (p) { return f(p[0]) + "," + f(p[1]); }).join(" ") + '"/>';
    };
    switch (shape) {
      case "square": {
        var side = size * 0.9;
        return '<rect x="' + f(c - side / 2) + '" y="' + f(c - side / 2) + '" width="' + f(side) + '" height="' + f(side) + '"/>';
      }
      case "triangle":
        return poly(regular(3, r * 1.2, c));
      case "diamond":
        return poly(regular(4, r * 1.15, c));
      case "star": {
        var points = [];
        var outer = r * 1.3;
        for (var i = 0; i < 10; i++) {
          var radius = i % 2 === 0 ? outer : outer * 0.45;
          var angle = -Math.PI / 2 + (Math.PI * i) / 5;
          points.push([c + radius * Math.cos(angle), c + radius * Math.sin(angle)]);
        }
        return poly(points);
      }
      default:
        return '<circle cx="' + f(c) + '" cy="' + f(c) + '" r="' + f(r) + '"/>';
    }
  }

  /* The side of the square that holds a marker of this size, with its outline. */
  function markerBox(size) {
    return Math.ceil(number(size, 8) * 1.4 + 2 * MARKER_STROKE);
  }

  /* A point layer's marker as an SVG string: numbers and checked colours only. */
  function markerSvg(style) {
    var size = number(style.size, 8);
    var side = markerBox(size);
    var own = colour(style.fill, null);
    var line = colour(style.color, "#d7301f");
    return (
      '<svg xmlns="' + SVG_NS + '" width="' + side + '" height="' + side + '" viewBox="0 0 ' + side + " " + side +
      '" fill="' + (own || line) + '" fill-opacity="' + MARKER_FILL_ALPHA + '" stroke="' + (own ? line : MARKER_RIM) +
      '" stroke-width="' + MARKER_STROKE + '" stroke-linejoin="round">' + markerShape(style.marker, size, side / 2) + "</svg>"
    );
  }

  function dashArray(style) {
    return Array.isArray(style.dash) && style.dash.length
      ? style.dash.map(function (v) { return number(v, 1); }).join(" ")
      : null;
  }

  function pathStyle(style, kind) {
    var dash = dashArray(style);
    var line = colour(style.color, "#d7301f");
    var out = {
      color: line,
      weight: Math.max(number(style.width, 2), 1),
      opacity: 1,
      dashArray: dash,
      lineCap: dash || kind === "polygon" ? "butt" : "round",
      lineJoin: "round",
      fill: kind === "polygon",
    };
    if (kind === "polygon") {
      out.fillColor = colour(style.fill, line);
      out.fillOpacity = number(style.opacity, 0.35);
    }
    return out;
  }

  function swatch(style, kind) {
    var span = el("span", "im-swatch im-swatch-" + kind);
    var line = colour(style.color, "#d7301f");
    var width = Math.min(Math.max(number(style.width, 2), 1), 3);
    var dash = dashArray(style);
    var dashAttr = dash ? ' stroke-dasharray="' + dash + '"' : "";
    if (kind === "point") {
      span.innerHTML = markerSvg(Object.assign({}, style, { size: Math.min(number(style.size, 8), 14) }));
    } else if (kind === "line") {
      span.innerHTML =
        '<svg xmlns="' + SVG_NS + '" width="26" height="14"><line x1="2" y1="10" x2="24" y2="4" stroke="' + line +
        '" stroke-width="' + width + '"' + dashAttr + "/></svg>";
    } else {
      span.innerHTML =
        '<svg xmlns="' + SVG_NS + '" width="22" height="14"><rect x="2" y="2" width="18" height="10" fill="' +
        colour(style.fill, line) + '" fill-opacity="' + number(style.opacity, 0.35) + '" stroke="' + line +
        '" stroke-width="' + Math.min(width, 1.5) + '"' + dashAttr + "/></svg>";
    }
    return span;
  }

  /* A layer's legend symbols: one for each kind of geometry it has. */
  function symbols(spec) {
    var box = el("span", "im-legend-symbols");
    (spec.kinds && spec.kinds.length ? spec.kinds : ["point"]).forEach(function (kind) {
      box.appendChild(swatch(spec.style || {}, kind));
    });
    return box;
  }

  /* ---- popups and tooltips ---------------------------------------------------------------- */

  function featureDetails(feature) {
    var p = feature.properties;
    var shown = feature.display || {};
    var layerInfo = tables.layers[p.layer] || {};
    var box = el("div", "im-popup");
    box.appendChild(el("h3", "im-popup-name", p.name));

    // the details panel's rows, in its order (FeatureDetails.fields)
    var rows = [
      ["Layer", layerInfo.name],
      ["Date", shown.dates],
      ["Where", (p.countries || []).map(function (code) { return tables.countries[code] || code; }).join(", ")],
      ["Precision", p.precision],
      ["Actors", (p.actors || []).join(", ")],
      ["Tags", (p.tags || []).join(", ")],
    ].concat((shown.figures || []).map(function (value, i) { return [(p.figures[i] || {}).label, value]; }));
    var table = el("table", "im-popup-fields");
    rows.forEach(function (row) {
      if (!row[1]) return;
      var tr = el("tr");
      tr.appendChild(el("th", null, row[0]));
      tr.appendChild(el("td", null, row[1]));
      table.appendChild(tr);
    });
    box.appendChild(table);

    if (p.description) box.appendChild(el("p", "im-popup-description", p.description));

    var sources = p.sources || [];
    if (sources.length) {
      box.appendChild(el("h4", "im-popup-heading", "Sources"));
      var list = el("ol", "im-popup-sources");
      sources.forEach(function (source, index) {
        var extra = tables.sourceDisplay[source.id] || {};
        var item = el("li", "im-source");
        item.value = index + 1;
        var link = typeof extra.url === "string" && SAFE_LINK.test(extra.url) ? extra.url : null;
        var title;
        if (link) {
          title = el("a", "im-source-title", source.title);
          title.href = link;
          title.target = "_blank";
          title.rel = "noopener noreferrer";
        } else {
          title = el("span", "im-source-title", source.title);
        }
        item.appendChild(title);
        var meta = [source.publisher, source.author, extra.date].filter(Boolean).join(" · ");
        if (meta) item.appendChild(el("div", "im-source-meta", meta));
        if (source.locator) item.appendChild(el("div", "im-source-locator", source.locator));
        if (source.quote) item.appendChild(el("blockquote", "im-source-quote", "\u201c" + source.quote + "\u201d"));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    return box;
  }
  im.featureDetails = featureDetails;

  /* ---- layers ----------------------------------------------------------------------------- */

  /* A cluster's count as it fits in its circle: 1695 shows as 1.7k, 23,480 as 23k (the circle's
   * title gives it in full). */
  function clusterCount(n) {
    if (n < 1000) return String(n);
    if (n < 9950) return (Math.round(n / 100) / 10).toFixed(1).replace(/\.0$/, "") + "k";
    return Math.round(n / 1000) + "k";
  }

  function clusterIcon(style) {
    var line = colour(style.color, "#d7301f");
    var fill = colour(style.fill, line);
    return function (cluster) {
      var n = cluster.getChildCount();
      var size = n < 10 ? 28 : n < 100 ? 34 : n < 1000 ? 40 : 46;
      var title = n.toLocaleString("en-US") + " features";
      return L.divIcon({
        html: '<div title="' + title + '" style="background:' + fill + ";border-color:" + line + '"><span>' +
          clusterCount(n) + "</span></div>",
        className: "im-cluster",
        iconSize: L.point(size, size),
      });
    };
  }

  function yearsOf(properties) {
    var start = typeof properties.start === "string" ? parseInt(properties.start.slice(0, 4), 10) : NaN;
    if (isNaN(start)) return null;
    var end = typeof properties.end === "string" ? parseInt(properties.end.slice(0, 4), 10) : Infinity;
    return [start, isNaN(end) ? Infinity : end];
  }

  var TOOLTIP_OPTIONS = { direction: "top", className: "im-tooltip" };
  var POPUP_OPTIONS = { maxWidth: 380, minWidth: 260, maxHeight: 420, className: "im-leaflet-popup" };

  function tooltipContent(layer) {
    return document.createTextNode(layer.feature.properties.name);
  }

  function popupContent(layer) {
    return featureDetails(layer.feature);
  }

  /* A feature's tooltip and popup, made once. */
  function bindFeature(layer) {
    if (layer.getPopup()) return;
    layer.bindTooltip(tooltipContent, TOOLTIP_OPTIONS);
    layer.bindPopup(popupContent, POPUP_OPTIONS);
  }

  /* A clustered layer's marker. Its tooltip and popup are made just before it first goes on the
   * map, as Leaflet would have them made beforehand: most of ten thousand markers never go on
   * the map one by one, and making them all up front took a good part of the page's start. */
  var FeatureMarker = L.Marker.extend({
    beforeAdd: function () {
      bindFeature(this);
    },
  });

  var CLUSTER_CHUNK_MS = 2000;

  /* Clustered layers still clustering their markers; the page is ready when none is. */
  var clustering = 0;
  var controlsMade = false;

  function checkReady() {
    if (controlsMade && clustering === 0) im.ready = true;
  }

  /* The features of a layer's data block: GeoJSON features as the page's script reads them. */
  function layerFeatures(spec, data) {
    var features = decodeRows(data.features, data.count);
    features.forEach(function (feature) {
      var compact = feature.properties || {};
      if (compact.layer === undefined) compact.layer = spec.id;
      feature.properties = expandProperties(compact);
      if (feature.id === undefined) feature.id = feature.properties.id;
    });
    return features;
  }

  /* One overlay from one layer's data: every feature its own Leaflet layer. */
  im.dataLayer = function (block) {
    var spec = block.spec;
    var style = spec.style || {};
    var side = markerBox(style.size);
    var icon = L.divIcon({
      html: markerSvg(style),
      className: "im-marker",
      iconSize: [side, side],
      iconAnchor: [side / 2, side / 2],
      popupAnchor: [0, -side / 3],
      tooltipAnchor: [0, -side / 3],
    });
    var collection = { type: "FeatureCollection", features: layerFeatures(spec, block.data) };
    var features = [];
    var entry = { spec: spec, layer: null, geojson: null, features: features, cluster: false };
    if (spec.cluster && typeof L.markerClusterGroup === "function") {
      var options = {
        pointToLayer: function (feature, latlng) {
          return new FeatureMarker(latlng, { icon: icon, riseOnHover: true });
        },
      };
      collection.features.forEach(function (feature) {
        var layer = L.GeoJSON.geometryToLayer(feature, options);
        var years = yearsOf(feature.properties);
        // A MultiPoint comes as a group: each of its markers is the feature's, clustered alone.
        (layer.getLayers ? layer.getLayers() : [layer]).forEach(function (marker, part) {
          marker.feature = feature;
          marker.influencemapYears = years;
          marker.influencemapPart = part > 0; // counted, searched and listed once, by its first
          features.push(marker);
        });
      });
      clustering += 1;
      var clustered = false;
      var finish = function () {
        if (clustered) return;
        clustered = true;
        // markercluster puts the clusters on the map right after it tells of the last chunk
        window.setTimeout(function () {
          clustering -= 1;
          checkReady();
        }, 0);
      };
      // Ten thousand markers cluster in well under the first chunk's two seconds, so the page
      // opens with its clusters drawn; a far bigger layer still lets the page draw every two.
      var overlay = L.markerClusterGroup({
        chunkedLoading: true,
        chunkInterval: CLUSTER_CHUNK_MS,
        chunkProgress: function (done, all) {
          if (done === all) finish();
        },
        showCoverageOnHover: false,
        maxClusterRadius: 45,
        iconCreateFunction: clusterIcon(style),
      });
      // Markers given to a group that is not on the map yet are each looked for among those
      // given before (ten thousand take a quarter of a second): give them once it is there.
      entry.load = function () {
        if (entry.load === null) return;
        entry.load = null;
        overlay.addLayers(features);
        if (!im.map || !im.map.hasLayer(overlay)) finish(); // kept until the group is shown
      };
      overlay.once("add", entry.load);
      entry.layer = overlay;
      entry.cluster = true;
    } else {
      entry.geojson = entry.layer = L.geoJSON(collection, {
        pointToLayer: function (feature, latlng) {
          return L.marker(latlng, { icon: icon, riseOnHover: true });
        },
        style: function (feature) {
          var type = feature.geometry && feature.geometry.type;
          return pathStyle(style, /Polygon/.test(type) ? "polygon" : "line");
        },
        onEachFeature: function (feature, layer) {
          bindFeature(layer);
          layer.influencemapYears = yearsOf(feature.properties);
          features.push(layer);
        },
      });
    }
    features.forEach(function (layer) { layer.influencemapShown = true; });
    im.layers[spec.id] = entry;
    features.forEach(function (layer) { if (!layer.influencemapPart) im.features.push(layer); }); // push.apply overflows the stack at 100,000
    return entry.layer;
  };

  /* The offline basemap, drawn like the app's: land on the sea-coloured map background, borders,
   * and country names. Rings come as integer deltas of 1/scale degree, to keep the file small. */
  function decodeRing(flat, scale) {
    var ring = new Array(flat.length >> 1);
    var x = 0;
    var y = 0;
    for (var i = 0, j = 0; i + 1 < flat.length; i += 2, j++) {
      x += flat[i];
      y += flat[i + 1];
      ring[j] = new L.LatLng(y / scale, x / scale);
    }
    return ring;
  }

  /* Which country names show at a zoom (the map's im-labels-N class): none, the largest
   * countries' (rank 1), ranks 1 and 2, all. */
  function labelLevel(zoom) {
    return zoom < 3 ? 0 : zoom < 4 ? 1 : zoom < 5 ? 2 : 3;
  }

  var LAND_STYLE = {
    pane: "im-basemap",
    interactive: false,
    color: "#b8b0a2",
    weight: 0.8,
    opacity: 1,
    fillColor: "#f6f3ec",
    fillOpacity: 1,
  };

  im.basemap = function (map, countries, attribution) {
    if (!map.getPane("im-basemap")) {
      map.createPane("im-basemap").style.zIndex = 250;
      var labelPane = map.createPane("im-basemap-labels");
      labelPane.style.zIndex = 350;
      labelPane.style.pointerEvents = "none";
    }
    var scale = countries.scale;
    // One polygon a country, made from the rings' LatLngs (no GeoJSON in between). Below
    // coarseBelowZoom the map shows the coarse outlines; the detailed ones are made the first
    // time the map is zoomed in that far.
    function polygons(key) {
      var out = [];
      countries.countries.forEach(function (country) {
        var parts = country[key];
        if (!parts || !parts.length) return;
        var polygon = L.polygon(
          parts.map(function (rings) {
            return rings.map(function (ring) { return decodeRing(ring, scale); });
          }),
          LAND_STYLE
        );
        polygon.feature = { type: "Feature", properties: { iso_a2: country.code, name: country.name } };
        out.push(polygon);
      });
      return out;
    }
    var coarseBelow = typeof countries.coarseBelowZoom === "number" ? countries.coarseBelowZoom : -Infinity;
    var shapes = {};
    var land = L.layerGroup();
    var shown = null;
    function showLand() {
      var key = map.getZoom() < coarseBelow ? "coarse" : "polygons";
      if (key === shown) return;
      if (!shapes[key]) shapes[key] = polygons(key);
      if (shown) shapes[shown].forEach(function (polygon) { land.removeLayer(polygon); });
      shapes[key].forEach(function (polygon) { land.addLayer(polygon); });
      shown = key;
    }
    showLand();
    map.on("zoomend", showLand);
    // A country's name is made once the zoom shows names of its rank (most are never needed
    // at the zooms that show whole continents).
    var names = L.layerGroup();
    var named = {};
    function showNames() {
      var level = labelLevel(map.getZoom());
      var largest = level === 3 ? Infinity : level;
      countries.countries.forEach(function (country, i) {
        var rank = number(country.rank, 3);
        if (named[i] || rank > largest) return;
        named[i] = true;
        names.addLayer(L.marker([country.label[1], country.label[0]], {
          pane: "im-basemap-labels",
          interactive: false,
          keyboard: false,
          icon: L.divIcon({ html: el("span", null, country.name), className: "im-country-label im-rank-" + rank, iconSize: null }),
        }));
      });
    }
    showNames();
    map.on("zoomend", showNames);
    // the attribution is the group's: given to each country, the control was redrawn for each
    return L.layerGroup([land, names], { attribution: attribution });
  };

  /* ---- filters ---------------------------------------------------------------------------- */

  var filter = { from: null, to: null, undated: true };

  function passes(layer) {
    var years = layer.influencemapYears;
    if (!years) return filter.undated;
    if (filter.from !== null && years[1] < filter.from) return false;
    if (filter.to !== null && years[0] > filter.to) return false;
    return true;
  }

  var filterListeners = [];

  function applyFilter() {
    Object.keys(im.layers).forEach(function (id) {
      var entry = im.layers[id];
      var show = [];
      var hide = [];
      entry.features.forEach(function (layer) {
        var wanted = passes(layer);
        if (wanted !== layer.influencemapShown) (wanted ? show : hide).push(layer);
        layer.influencemapShown = wanted;
      });
      if (entry.cluster) {
        if (hide.length) entry.layer.removeLayers(hide);
        if (show.length) entry.layer.addLayers(show);
      } else {
        hide.forEach(function (layer) { entry.layer.removeLayer(layer); });
        show.forEach(function (layer) { entry.layer.addLayer(layer); });
      }
    });
    filterListeners.forEach(function (listener) { listener(); });
  }

  /* Show the features whose span overlaps [from, to] (years, inclusive; null: open end). */
  im.setYears = function (from, to, undated) {
    filter.from = from === undefined ? null : from;
    filter.to = to === undefined ? null : to;
    if (undated !== undefined) filter.undated = !!undated;
    applyFilter();
  };

  im.shownCount = function () {
    return im.features.filter(function (layer) { return layer.influencemapShown; }).length;
  };

  /* ---- showing a feature ------------------------------------------------------------------ */

  im.openFeature = function (featureId) {
    var layer = null;
    for (var i = 0; i < im.features.length; i++) {
      if (im.features[i].feature.properties.id === featureId) {
        layer = im.features[i];
        break;
      }
    }
    if (!layer) return false;
    reveal(layer);
    return true;
  };

  function reveal(layer) {
    var map = im.map;
    bindFeature(layer);
    if (!layer.influencemapShown) im.setYears(null, null, true); // the year filter hid it: open it
    var entry = im.layers[layer.feature.properties.layer];
    if (entry && !map.hasLayer(entry.layer)) map.addLayer(entry.layer);
    if (entry && entry.cluster) {
      entry.layer.zoomToShowLayer(layer, function () { layer.openPopup(); });
      return;
    }
    if (layer.getLatLng) {
      map.setView(layer.getLatLng(), Math.max(map.getZoom(), 7), { animate: false });
    } else if (layer.getBounds) {
      map.fitBounds(layer.getBounds(), { maxZoom: 9, padding: [40, 40], animate: false });
    }
    layer.openPopup();
  }

  /* ---- controls --------------------------------------------------------------------------- */

  function titleControl(options) {
    var Title = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = keepEvents(el("div", "im-title leaflet-control"));
        if (options.title) box.appendChild(el("h1", null, options.title));
        if (options.subtitle) box.appendChild(el("p", "im-subtitle", options.subtitle));
        return box;
      },
    });
    return new Title();
  }

  function normalise(text) {
    return String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function searchControl() {
    var Search = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function () {
        var box = keepEvents(el("div", "im-search leaflet-control"));
        var input = el("input");
        input.type = "search";
        input.placeholder = "Search features\u2026";
        input.setAttribute("aria-label", "Search features by name");
        var results = el("ul", "im-search-results");
        box.appendChild(input);
        box.appendChild(results);
        var index = null;

        function matches(text) {
          if (!index) {
            index = im.features.map(function (layer) {
              return { layer: layer, key: normalise(layer.feature.properties.name) };
            });
          }
          var words = normalise(text).split(/\s+/).filter(Boolean);
          if (!words.length) return [];
          return index.filter(function (item) {
            return item.layer.influencemapShown && words.every(function (w) { return item.key.indexOf(w) >= 0; });
          });
        }

        function choose(layer) {
          results.textContent = "";
          input.blur();
          reveal(layer);
        }

        function update() {
          results.textContent = "";
          var text = input.value.trim();
          if (!text) return;
          var found = matches(text);
          found.slice(0, 12).forEach(function (item) {
            var props = item.layer.feature.properties;
            var li = el("li");
            var button = el("button", "im-search-result");
            button.type = "button";
            button.appendChild(el("span", "im-search-name", props.name));
            button.appendChild(el("span", "im-search-layer", (tables.layers[props.layer] || {}).name || props.layer));
            button.addEventListener("click", function () { choose(item.layer); });
            li.appendChild(button);
            results.appendChild(li);
          });
          if (found.length > 12) results.appendChild(el("li", "im-search-more", "\u2026 and " + count(found.length - 12) + " more"));
          if (!found.length) results.appendChild(el("li", "im-search-none", "No feature matches"));
        }

        input.addEventListener("input", update);
        input.addEventListener("keydown", function (event) {
          if (event.key === "Enter") {
            var first = matches(input.value)[0];
            if (first) choose(first.layer);
          } else if (event.key === "Escape") {
            input.value = "";
            update();
          }
        });
        filterListeners.push(function () { if (input.value) update(); });
        return box;
      },
    });
    return new Search();
  }

  function fullscreenControl() {
    var Fullscreen = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function (map) {
        var bar = keepEvents(el("div", "leaflet-bar leaflet-control im-fullscreen"));
        var button = el("a");
        button.href = "#";
        button.setAttribute("role", "button");
        button.title = "Full screen";
        button.setAttribute("aria-label", "Full screen");
        button.innerHTML =
          '<svg xmlns="' + SVG_NS + '" width="16" height="16" viewBox="0 0 16 16" fill="none" stroke="currentColor" stroke-width="2">' +
          '<path d="M1 5V1h4M11 1h4v4M15 11v4h-4M5 15H1v-4"/></svg>';
        bar.appendChild(button);
        var container = map.getContainer();
        L.DomEvent.on(button, "click", function (event) {
          L.DomEvent.preventDefault(event);
          if (document.fullscreenElement) document.exitFullscreen();
          else if (container.requestFullscreen) container.requestFullscreen();
        });
        document.addEventListener("fullscreenchange", function () {
          var on = document.fullscreenElement === container;
          button.title = on ? "Exit full screen" : "Full screen";
          L.DomUtil[on ? "addClass" : "removeClass"](bar, "im-fullscreen-on");
          map.invalidateSize();
        });
        if (!document.fullscreenEnabled) bar.style.display = "none";
        return bar;
      },
    });
    return new Fullscreen();
  }

  function yearControl() {
    var years = [];
    var undated = 0;
    im.features.forEach(function (layer) {
      var span = layer.influencemapYears;
      if (!span) {
        undated += 1;
        return;
      }
      years.push(span[0]);
      if (isFinite(span[1])) years.push(span[1]);
    });
    if (!years.length) return null;
    // a loop, not Math.min.apply: a hundred thousand arguments overflow the stack
    var min = Infinity;
    var max = -Infinity;
    years.forEach(function (year) {
      if (year < min) min = year;
      if (year > max) max = year;
    });
    var Years = L.Control.extend({
      options: { position: "bottomleft" },
      onAdd: function () {
        var box = keepEvents(el("div", "im-years leaflet-control"));
        var head = el("div", "im-years-head");
        var label = el("span", "im-years-label");
        var shownLabel = el("span", "im-years-count");
        head.appendChild(label);
        head.appendChild(shownLabel);
        box.appendChild(head);
        var from = null;
        var to = null;
        if (max > min) {
          var track = el("div", "im-years-track");
          var fill = el("div", "im-years-fill");
          track.appendChild(fill);
          from = el("input", "im-years-from");
          to = el("input", "im-years-to");
          [from, to].forEach(function (input, i) {
            input.type = "range";
            input.min = min;
            input.max = max;
            input.step = 1;
            input.value = i === 0 ? min : max;
            input.setAttribute("aria-label", i === 0 ? "From year" : "To year");
            track.appendChild(input);
          });
          box.appendChild(track);
          var ends = el("div", "im-years-ends");
          ends.appendChild(el("span", null, min));
          ends.appendChild(el("span", null, max));
          box.appendChild(ends);
        }
        var check = null;
        if (undated) {
          var row = el("label", "im-years-undated");
          check = el("input");
          check.type = "checkbox";
          check.checked = true;
          row.appendChild(check);
          row.appendChild(document.createTextNode(" Undated features (" + count(undated) + ")"));
          box.appendChild(row);
        }

        function render() {
          var a = from ? Number(from.value) : min;
          var b = to ? Number(to.value) : max;
          label.textContent = a === b ? "Year " + a : "Years " + a + "\u2013" + b;
          shownLabel.textContent = count(im.shownCount()) + " of " + count(im.features.length) + " shown";
          if (from) {
            var left = ((a - min) / (max - min)) * 100;
            var right = ((b - min) / (max - min)) * 100;
            fill.style.left = left + "%";
            fill.style.width = right - left + "%";
          }
        }

        var pending = false;
        function changed(event) {
          if (from && Number(from.value) > Number(to.value)) {
            if (event && event.target === from) to.value = from.value;
            else from.value = to.value;
          }
          if (pending) return;
          pending = true;
          window.requestAnimationFrame(function () {
            pending = false;
            var a = from ? Number(from.value) : min;
            var b = to ? Number(to.value) : max;
            // the full range is the open filter: ongoing spans and every dated feature pass
            im.setYears(a === min ? null : a, b === max ? null : b, check ? check.checked : true);
          });
        }
        if (from) {
          from.addEventListener("input", changed);
          to.addEventListener("input", changed);
        }
        if (check) check.addEventListener("change", changed);
        filterListeners.push(function () {
          if (from) {
            from.value = filter.from === null ? min : filter.from;
            to.value = filter.to === null ? max : filter.to;
          }
          if (check) check.checked = filter.undated;
          render();
        });
        render();
        return box;
      },
    });
    return new Years();
  }

  /* The legend: a row for each layer ({id, name, category, style, kinds, count}, in order). */
  function legendControl(layers) {
    var Legend = L.Control.extend({
      options: { position: "bottomright" },
      onAdd: function (map) {
        var box = keepEvents(el("div", "im-legend leaflet-control"));
        var details = el("details");
        details.open = map.getSize().x >= 1000 && map.getSize().y >= 600; // closed where it would cover the data
        details.appendChild(el("summary", null, "Legend"));
        var lastCategory;
        layers.forEach(function (spec) {
          if (spec.category !== lastCategory) {
            details.appendChild(el("div", "im-legend-category", spec.category));
            lastCategory = spec.category;
          }
          var row = el("div", "im-legend-row");
          row.appendChild(symbols(spec));
          row.appendChild(el("span", "im-legend-name", spec.name));
          row.appendChild(el("span", "im-legend-count", count(spec.count)));
          details.appendChild(row);
        });
        box.appendChild(details);
        return box;
      },
    });
    return new Legend();
  }

  /* Category headings and layer symbols in Leaflet's layer list, which it rebuilds now and then. */
  function groupLayerList(control) {
    var list = control.getContainer().querySelector(".leaflet-control-layers-overlays");
    if (!list) return;
    function decorate() {
      if (list.querySelector(".im-layers-category")) return;
      var last;
      Array.prototype.slice.call(list.children).forEach(function (label) {
        var marker = label.querySelector(".im-overlay");
        if (!marker) return;
        var category = marker.getAttribute("data-category");
        if (category !== last) {
          list.insertBefore(el("div", "im-layers-category", category), label);
          last = category;
        }
        var entry = im.layers[marker.getAttribute("data-layer")];
        if (entry && !marker.querySelector(".im-legend-symbols")) marker.insertBefore(symbols(entry.spec), marker.firstChild);
      });
    }
    decorate();
    new MutationObserver(decorate).observe(list, { childList: true });
  }

  /* Fit the data into the part of the map the open legend does not cover. */
  function fitData(map, options, legend) {
    var size = map.getSize();
    var legendBox = legend.getContainer();
    var right = legendBox.querySelector("details[open]") ? legendBox.offsetWidth + 20 : 20;
    map.fitBounds(options.bounds, {
      paddingTopLeft: [size.x >= 900 ? 60 : 20, 20],
      paddingBottomRight: [right, 20],
      maxZoom: options.maxZoom || 9,
      animate: false,
    });
  }

  /* Called once, right after folium's script made the map and before any layer is on it: the
   * controls that do not need the features, and the view that fits the data. Layers put on the
   * map afterwards are drawn once, for that view. */
  im.view = function (map, options) {
    im.map = map;
    if (options.title || options.subtitle) titleControl(options).addTo(map);
    searchControl().addTo(map);
    L.control.zoom({ position: "topleft" }).addTo(map);
    fullscreenControl().addTo(map);
    L.control.scale({ position: "bottomleft", imperial: false }).addTo(map);
    var legend = legendControl(options.legend || []).addTo(map);
    if (options.bounds) fitData(map, options, legend);
    var container = map.getContainer();
    var labelClass = function () {
      var level = labelLevel(map.getZoom());
      container.classList.remove("im-labels-0", "im-labels-1", "im-labels-2", "im-labels-3");
      container.classList.add("im-labels-" + level);
    };
    map.on("zoomend", labelClass);
    labelClass();
  };

  /* Called once, after folium's script made the layers and the layer control. The page is ready
   * (influencemap.ready) once the clustered layers have clustered their markers too. */
  im.controls = function (map, layerControl) {
    im.layerControl = layerControl;
    Object.keys(im.layers).forEach(function (id) {
      var load = im.layers[id].load;
      if (load) load(); // a clustered layer that is not on the map
    });
    var years = yearControl();
    if (years) years.addTo(map);
    if (layerControl) groupLayerList(layerControl);
    controlsMade = true;
    checkReady();
  };
})();
