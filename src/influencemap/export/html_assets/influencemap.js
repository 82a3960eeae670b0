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
 *                                     (a big layer, over 10,000 points: {spec, layer, big: true,
 *                                     columns}, columns.feature(i) gives feature i as GeoJSON)
 *   influencemap.features             every feature's Leaflet layer, in catalog order (the
 *                                     small layers': a big layer's points are drawn on a canvas)
 *   influencemap.bigPoints            the canvas the big layers' points are clustered on:
 *                                     .drawn() what it shows, .clickAt(x, y) a click there
 *   influencemap.featureCount()       how many features the page has, big layers included
 *   influencemap.cluster              the one Leaflet.markercluster group holding every layer's
 *                                     points (a layer's overlay gives it its points)
 *   influencemap.openFeature(id)      shows a feature and opens its popup
 *   influencemap.openStackList(latlng, markers)   the popup listing features that share a place
 *   influencemap.setYears(from, to, undated)   the year filter (null: open)
 *   influencemap.sourceNumber(id)     a source's number in the "About this map" list ([n])
 *   influencemap.stateFragment()      the page's state as the URL fragment keeps it:
 *                                     map=ZOOM/LAT/LON&feature=ID&years=FROM-TO&undated=1&q=TEXT
 *   influencemap.applyFragment(text)  restores such a state (the page does it on load and
 *                                     whenever the fragment changes)
 *   influencemap.linkToFeature(id)    the link that reopens the page on this feature
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

  var tables = { layers: {}, sources: {}, sourceOrder: [], sourceDisplay: {}, countries: {}, propertyKeys: [], emptyProperties: {} };
  var sourceNumbers = {};

  im.setTables = function (value) {
    tables = value;
    im.tables = value;
    sourceNumbers = {};
    (value.sourceOrder || []).forEach(function (id, index) { sourceNumbers[id] = index + 1; });
  };

  var sourcesListed = true;

  /* A source's number in the map's list of sources: [1] is the first cited (null when the
   * export has no list: HtmlOptions.sources_list). */
  im.sourceNumber = function (id) {
    if (!sourcesListed) return null;
    return Object.prototype.hasOwnProperty.call(sourceNumbers, id) ? sourceNumbers[id] : null;
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

  /* The size key of a layer sized by a figure (spec.sizeKey: [diameter, text], largest first):
   * its reference symbols nested on one baseline, each with its value, as on the map images. */
  function sizeKey(spec) {
    var key = spec.sizeKey;
    if (!Array.isArray(key) || !key.length) return null;
    var style = spec.style || {};
    var biggest = Math.max.apply(null, key.map(function (k) { return number(k[0], 8); }));
    var row = el("div", "im-size-key");
    var side = markerBox(biggest);
    var line = colour(style.color, "#d7301f");
    var fill = colour(style.fill, line);
    var labels = el("span", "im-size-key-values");
    var shapes = key.map(function (k) {
      // The layer's own marker shape, nested on one baseline: each moved down so its bottom sits there.
      var d = number(k[0], 8);
      labels.appendChild(el("span", "im-size-key-value", String(k[1])));
      return '<g transform="translate(0 ' + (side / 2 - d / 2 - 1) + ')">' + markerShape(style.marker, d, side / 2) + "</g>";
    });
    var svg = el("span", "im-size-key-symbols");
    svg.innerHTML = '<svg width="' + side + '" height="' + side + '" viewBox="0 0 ' + side + " " + side +
      '" aria-hidden="true" fill="' + fill + '" fill-opacity="0.35" stroke="' + line + '" stroke-width="1">' +
      shapes.join("") + "</svg>";
    row.appendChild(svg);
    row.appendChild(labels);
    return row;
  }

  /* ---- popups and tooltips ---------------------------------------------------------------- */

  function featureDetails(feature) {
    var p = feature.properties;
    var shown = feature.display || {};
    var layerInfo = tables.layers[p.layer] || {};
    var box = el("div", "im-popup");
    box.appendChild(el("h3", "im-popup-name", p.name));

    // the details panel's rows, in its order (FeatureDetails.fields); a date not stated as such
    // says how it is known, as the panel does
    var dates = shown.dates && p.dating && p.dating !== "stated" ? shown.dates + " (" + p.dating + ")" : shown.dates;
    var rows = [
      ["Layer", layerInfo.name],
      ["Date", dates],
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
      // cited by their numbers in the map's list of sources: [2] is [2] there too
      var list = el("ul", "im-popup-sources");
      sources.forEach(function (source) {
        var item = el("li", "im-source");
        var number = im.sourceNumber(source.id);
        if (number !== null) item.appendChild(sourceNumberButton(number));
        item.appendChild(sourceTitle(source));
        var meta = sourceMeta(source);
        if (meta) item.appendChild(el("div", "im-source-meta", meta));
        if (source.locator) item.appendChild(el("div", "im-source-locator", source.locator));
        if (source.quote) item.appendChild(el("blockquote", "im-source-quote", "\u201c" + source.quote + "\u201d"));
        list.appendChild(item);
      });
      box.appendChild(list);
    }
    if (p.id !== undefined && p.id !== null) box.appendChild(copyLinkAction(String(p.id)));
    return box;
  }

  /* A source's title: a link when its URL is http(s) or mailto, text otherwise. */
  function sourceTitle(source) {
    var extra = tables.sourceDisplay[source.id] || {};
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
    return title;
  }

  /* Author, publisher and date, as the source gives them (the date formatted as the app does). */
  function sourceMeta(source) {
    var extra = tables.sourceDisplay[source.id] || {};
    return [source.author, source.publisher, extra.date].filter(Boolean).join(" \u00b7 ");
  }

  /* "[2]": opens the map's list of sources at source 2. */
  function sourceNumberButton(number) {
    var button = el("button", "im-source-number", "[" + number + "]");
    button.type = "button";
    button.title = "Source " + number + " in the list of sources";
    button.setAttribute("aria-label", "Source " + number + " in the list of sources");
    button.addEventListener("click", function () { im.showSource(number); });
    return button;
  }

  /* "Copy link to this feature": the clipboard when the browser allows it, else the link shown
   * selected, for the reader to copy. */
  function copyLinkAction(featureId) {
    var box = el("div", "im-popup-actions");
    var button = el("button", "im-copy-link", "Copy link to this feature");
    button.type = "button";
    var status = el("span", "im-copy-status");
    status.setAttribute("role", "status");
    box.appendChild(button);
    box.appendChild(status);
    function showField(url) {
      var field = box.querySelector(".im-copy-field");
      if (!field) {
        field = el("input", "im-copy-field");
        field.type = "text";
        field.readOnly = true;
        field.setAttribute("aria-label", "Link to this feature");
        box.appendChild(field);
      }
      field.value = url;
      field.focus();
      field.select();
      status.textContent = "Copy the link (Ctrl+C)";
      status.className = "im-copy-status im-copy-manual";
    }
    button.addEventListener("click", function () {
      var url = im.linkToFeature(featureId);
      var clipboard = navigator.clipboard;
      if (clipboard && typeof clipboard.writeText === "function" && window.isSecureContext) {
        clipboard.writeText(url).then(
          function () {
            status.textContent = "Link copied";
            status.className = "im-copy-status";
          },
          function () { showField(url); }
        );
      } else {
        showField(url);
      }
    });
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

  /* One cluster group for the points of every layer: the features at one place are one
   * cluster whose count is theirs, whatever layers they come from. Its circle shows the
   * layers' colours in proportion (checked colours only). */
  function stackIcon(cluster) {
    var n = cluster.getChildCount();
    var shares = {};
    var order = [];
    cluster.getAllChildMarkers().forEach(function (marker) {
      var c = marker.influencemapColour || "#d7301f";
      if (!Object.prototype.hasOwnProperty.call(shares, c)) {
        shares[c] = 0;
        order.push(c);
      }
      shares[c] += 1;
    });
    var at = 0;
    var stops = order.map(function (c) {
      var from = at;
      at += (shares[c] / n) * 100;
      return c + " " + from.toFixed(2) + "% " + at.toFixed(2) + "%";
    });
    var size = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48;
    var title = count(n) + " features here: click to " + (stackListed(cluster) ? "list them" : "zoom in");
    return L.divIcon({
      html: '<div title="' + title + '" style="background:conic-gradient(' + stops.join(",") + ')"><i><span>' +
        clusterCount(n) + "</span></i></div>",
      className: "im-cluster",
      iconSize: L.point(size, size),
    });
  }

  var LIST_ZOOM = 12;
  /* From this zoom on, a click on a cluster lists its features instead of zooming in further:
   * the offline basemap has nothing to show beyond it, and features closer than this are one
   * place to a reader. */

  /* Whether a click on the cluster lists its features: they share one place (they would stay
   * together at the map's last zoom), or the map is zoomed in too far to separate them. */
  function stackListed(cluster) {
    var group = cluster._group;
    var map = group && group._map;
    if (!map) return false;
    var bottom = cluster;
    while (bottom._childClusters && bottom._childClusters.length === 1) bottom = bottom._childClusters[0];
    if (bottom._zoom === group._maxZoom && bottom._childCount === cluster._childCount) return true;
    if (map.getZoom() >= Math.min(map.getMaxZoom(), LIST_ZOOM)) return true;
    return map.getBoundsZoom(cluster.getBounds()) > LIST_ZOOM;
  }

  var pointCluster = null;
  var pendingMarkers = [];
  var clusterBatched = false;
  var clusterWaiting = false;

  var CLUSTER_CHUNK_MS = 2000;

  /* Layers still clustering their markers; the page is ready when none is. */
  var clustering = 0;
  var controlsMade = false;

  function checkReady() {
    if (controlsMade && clustering === 0) im.ready = true;
  }

  function sharedCluster() {
    if (pointCluster) return pointCluster;
    if (typeof L.markerClusterGroup !== "function") {
      // the CDN variant offline: no clusters, every marker on its own
      pointCluster = L.featureGroup();
      pointCluster.addLayers = function (list) { list.forEach(function (m) { pointCluster.addLayer(m); }); return pointCluster; };
      pointCluster.removeLayers = function (list) { list.forEach(function (m) { pointCluster.removeLayer(m); }); return pointCluster; };
      pointCluster.getVisibleParent = function (marker) { return marker; };
      return pointCluster;
    }
    // Ten thousand markers cluster in well under the first chunk's two seconds, so the page
    // opens with its clusters drawn; a far bigger export still lets the page draw every two.
    pointCluster = L.markerClusterGroup({
      chunkedLoading: true,
      chunkInterval: CLUSTER_CHUNK_MS,
      chunkProgress: function (done, all) {
        if (done === all && clusterWaiting) {
          clusterWaiting = false;
          // markercluster puts the clusters on the map right after it tells of the last chunk
          window.setTimeout(function () {
            clustering -= 1;
            checkReady();
          }, 0);
        }
      },
      showCoverageOnHover: false,
      maxClusterRadius: 45,
      zoomToBoundsOnClick: false,
      spiderfyOnMaxZoom: false,
      iconCreateFunction: stackIcon,
    });
    im.cluster = pointCluster;
    function openCluster(cluster, byKey) {
      if (stackListed(cluster)) openStackList(cluster.getLatLng(), cluster.getAllChildMarkers(), byKey);
      else cluster.zoomToBounds({ padding: [40, 40] });
    }
    pointCluster.on("clusterclick", function (event) { openCluster(event.layer, false); });
    // Enter on a focused cluster (Leaflet tells markers of keys as "keypress", not as a click)
    pointCluster.on("clusterkeypress", function (event) {
      if (event.originalEvent && event.originalEvent.keyCode === 13) openCluster(event.layer, true);
    });
    return pointCluster;
  }

  function clusterAdd(map, markers) {
    var group = sharedCluster();
    if (!map.hasLayer(group)) map.addLayer(group);
    if (!clusterBatched) {
      markers.forEach(function (m) { pendingMarkers.push(m); });
    } else if (markers.length) {
      group.addLayers(markers);
    }
  }

  function clusterRemove(markers) {
    if (!pointCluster || !markers.length) return;
    if (!clusterBatched) {
      var gone = new Set(markers);
      pendingMarkers = pendingMarkers.filter(function (m) { return !gone.has(m); });
    } else {
      pointCluster.removeLayers(markers);
    }
  }

  /* The markers given to the cluster before the page's controls were made, given at once (one
   * pass of clustering, once the group is on the map). */
  function flushCluster() {
    clusterBatched = true;
    if (!pointCluster) return;
    var markers = pendingMarkers;
    pendingMarkers = [];
    if (!markers.length) return;
    if (im.map && im.map.hasLayer(pointCluster) && typeof L.markerClusterGroup === "function") {
      clustering += 1;
      clusterWaiting = true;
    }
    pointCluster.addLayers(markers);
  }

  /* A layer's overlay in the layer list: its lines and polygons drawn on the map, its points
   * given to the one cluster group. Checking it in the layer list shows them, unchecking
   * hides them; the year filter adds and removes features through addLayers/removeLayers. */
  var LayerPart = L.Layer.extend({
    initialize: function (markers, paths) {
      this._markers = markers;
      this._paths = L.featureGroup(paths);
    },
    onAdd: function (map) {
      map.addLayer(this._paths);
      clusterAdd(map, this._markers.filter(function (m) { return m.influencemapShown; }));
    },
    onRemove: function (map) {
      map.removeLayer(this._paths);
      clusterRemove(this._markers.filter(function (m) { return m.influencemapShown; }));
    },
    /* The features shown (their flag says which). */
    getLayers: function () {
      return this._markers.filter(function (m) { return m.influencemapShown; }).concat(this._paths.getLayers());
    },
    addLayers: function (layers) { this._change(layers, true); return this; },
    removeLayers: function (layers) { this._change(layers, false); return this; },
    _change: function (layers, add) {
      var markers = [];
      var paths = this._paths;
      layers.forEach(function (layer) {
        if (layer.influencemapClustered) markers.push(layer);
        else if (add) paths.addLayer(layer);
        else paths.removeLayer(layer);
      });
      if (this._map) {
        if (add) clusterAdd(this._map, markers);
        else clusterRemove(markers);
      }
    },
    getBounds: function () {
      var bounds = L.latLngBounds([]);
      this.getLayers().forEach(function (layer) {
        bounds.extend(layer.getLatLng ? layer.getLatLng() : layer.getBounds());
      });
      return bounds;
    },
  });

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

  /* A point's marker. Its tooltip and popup are made just before it first goes on the map, as
   * Leaflet would have them made beforehand: most of ten thousand markers never go on the map
   * one by one, and making them all up front took a good part of the page's start. */
  var FeatureMarker = L.Marker.extend({
    beforeAdd: function () {
      bindFeature(this);
    },
  });

  /* A polygon smaller than a few pixels on screen (a building at country zoom) is drawn as a
   * small square in its layer's colours, as the app draws it (render/renderer.py,
   * TINY_POLYGON_PX), so it never vanishes: the square is the polygon's own path, so its
   * tooltip, popup and keyboard focus are the feature's. Zoomed in, the real shape returns. */
  var TINY_POLYGON_PX = 5;
  var TINY_SQUARE_PX = 8;

  function tinyAwareUpdate() {
    if (!this._map) return;
    var raw = this._rawPxBounds;
    var tiny = !!raw && Math.max(raw.max.x - raw.min.x, raw.max.y - raw.min.y) < TINY_POLYGON_PX;
    if (tiny) {
      var c = raw.getCenter();
      var h = TINY_SQUARE_PX / 2;
      var view = this._renderer._bounds;
      this._parts = view && view.contains(c)
        ? [[L.point(c.x - h, c.y - h), L.point(c.x + h, c.y - h), L.point(c.x + h, c.y + h), L.point(c.x - h, c.y + h)]]
        : [];
    } else {
      this._clipPoints();
      this._simplifyPoints();
    }
    if (tiny !== !!this.influencemapTiny) {
      this.influencemapTiny = tiny;
      var path = this.getElement && this.getElement();
      if (path) path.classList.toggle("im-tiny-polygon", tiny);
    }
    this._updatePath();
  }

  function drawTinyAsSquare(layer) {
    layer._update = tinyAwareUpdate;
    layer.on("add", function () {
      // the path element is new each time the layer goes on the map: give it the class again
      var path = layer.getElement && layer.getElement();
      if (path) path.classList.toggle("im-tiny-polygon", !!layer.influencemapTiny);
    });
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

  /* One overlay from one layer's data: every feature its own Leaflet layer, in the file's
   * order; single points are markers for the one cluster group, other shapes are drawn. */
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
    var markerColour = colour(style.fill, colour(style.color, "#d7301f"));
    /* A layer sized by a figure: each feature's own diameter (symbolSize), one icon per size. */
    var sizedIcons = {};
    var iconOf = function (feature) {
      var size = feature && feature.symbolSize;
      if (typeof size !== "number" || !(size > 0)) return icon;
      if (!sizedIcons[size]) {
        var own = Object.assign({}, style, { size: size });
        var ownSide = markerBox(size);
        sizedIcons[size] = L.divIcon({
          html: markerSvg(own),
          className: "im-marker im-marker-sized",
          iconSize: [ownSide, ownSide],
          iconAnchor: [ownSide / 2, ownSide / 2],
          popupAnchor: [0, -ownSide / 3],
          tooltipAnchor: [0, -ownSide / 3],
        });
      }
      return sizedIcons[size];
    };
    var pointToLayer = function (feature, latlng) {
      return L.marker(latlng, { icon: iconOf(feature), riseOnHover: true });
    };
    var features = [];
    var markers = [];
    var paths = [];
    layerFeatures(spec, block.data).forEach(function (feature) {
      var geometry = feature.geometry || {};
      var layer;
      if (geometry.type === "Point" || geometry.type === "MultiPoint") {
        // A MultiPoint's parts are each a clustered marker of the feature; the first stands
        // for it (counted, searched and listed once), the others follow it through the filter.
        var positions = geometry.type === "Point" ? [geometry.coordinates] : geometry.coordinates;
        positions.forEach(function (position, part) {
          var sized = iconOf(feature);
          var marker = new FeatureMarker(L.GeoJSON.coordsToLatLng(position), {
            icon: sized,
            riseOnHover: true,
            // Bigger amounts lower, so a small project beside a large one stays clickable.
            zIndexOffset: sized === icon ? 0 : -Math.round(feature.symbolSize * 10),
          });
          marker.influencemapClustered = true;
          marker.influencemapColour = markerColour;
          markers.push(marker);
          if (part === 0) {
            layer = marker;
            return;
          }
          marker.feature = feature;
          marker.influencemapYears = yearsOf(feature.properties);
          marker.influencemapShown = true;
          marker.influencemapPart = true;
          marker.influencemapIndex = im.features.length;
          features.push(marker);
        });
      } else {
        layer = L.GeoJSON.geometryToLayer(feature, { pointToLayer: pointToLayer });
        if (layer.setStyle) layer.setStyle(pathStyle(style, /Polygon/.test(geometry.type) ? "polygon" : "line"));
        if (layer instanceof L.Polygon) drawTinyAsSquare(layer);
        bindFeature(layer);
        focusablePath(layer);
        paths.push(layer);
      }
      layer.feature = feature;
      layer.influencemapYears = yearsOf(feature.properties);
      layer.influencemapShown = true;
      layer.influencemapIndex = im.features.length;
      features.push(layer);
      im.features.push(layer); // one at a time: push.apply overflows the stack at 100,000
    });
    var entry = { spec: spec, layer: new LayerPart(markers, paths), features: features, cluster: markers.length > 0 };
    im.layers[spec.id] = entry;
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

  /* Rings of LatLngs with their boxes ([south, north, east]), for insideRings. */
  function boxedRings(rings) {
    return rings.map(function (ring) {
      var south = Infinity;
      var north = -Infinity;
      var east = -Infinity;
      ring.forEach(function (p) {
        if (p.lat < south) south = p.lat;
        if (p.lat > north) north = p.lat;
        if (p.lng > east) east = p.lng;
      });
      return { ring: ring, box: [south, north, east] };
    });
  }

  /* Whether a LatLng lies inside boxed rings (even-odd over all of them, so holes and islands
   * count as drawn); a ring the eastward ray cannot cross is skipped by its box. */
  function insideRings(rings, latlng) {
    var x = latlng.lng;
    var y = latlng.lat;
    var inside = false;
    for (var r = 0; r < rings.length; r++) {
      var box = rings[r].box;
      if (y < box[0] || y > box[1] || x > box[2]) continue;
      var ring = rings[r].ring;
      for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        var a = ring[i];
        var b = ring[j];
        if (a.lat > y !== b.lat > y && x < ((b.lng - a.lng) * (y - a.lat)) / (b.lat - a.lat) + a.lng) inside = !inside;
      }
    }
    return inside;
  }

  /* Where the names of countries whose label point is off screen are looked for: a grid of
   * samples over the view, as the app's canvas does (render/basemap_layer.py, ANCHOR_GRID). */
  var NAME_GRID = [9, 6];
  var NAME_MIN_SAMPLES = 4;

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
    // time the map is zoomed in that far. Each keeps its rings, to place its name inside.
    function polygons(key) {
      var out = [];
      countries.countries.forEach(function (country, index) {
        var parts = country[key];
        if (!parts || !parts.length) return;
        var decoded = parts.map(function (rings) {
          return rings.map(function (ring) { return decodeRing(ring, scale); });
        });
        var polygon = L.polygon(decoded, LAND_STYLE);
        polygon.feature = { type: "Feature", properties: { iso_a2: country.code, name: country.name } };
        polygon.influencemapCountry = index;
        polygon.influencemapParts = decoded;
        out.push(polygon);
      });
      return out;
    }
    var coarseBelow = typeof countries.coarseBelowZoom === "number" ? countries.coarseBelowZoom : -Infinity;
    var shapes = {};
    var outlines = {}; // country index -> the polygon shown now
    var coarseRings = {}; // country index -> its coarse rings, boxed, for choosing a name's spot
    var land = L.layerGroup();
    var shown = null;
    function showLand() {
      var key = map.getZoom() < coarseBelow ? "coarse" : "polygons";
      if (key === shown) return;
      if (!shapes[key]) shapes[key] = polygons(key);
      if (shown) shapes[shown].forEach(function (polygon) { land.removeLayer(polygon); });
      outlines = {};
      shapes[key].forEach(function (polygon) {
        land.addLayer(polygon);
        outlines[polygon.influencemapCountry] = polygon;
      });
      shown = key;
    }
    showLand();
    map.on("zoomend", showLand);

    /* Where a country's name goes in this view: its own label point when that is on screen;
     * otherwise the most central of the grid's samples that fall inside the country's drawn
     * outline (kept clear of the view's edges, and tested again once moved there), as the app
     * does; none when the country covers too little of the view. Never outside the country. */
    function nameSpot(country, index, size, view) {
      var half = country.name.length * 3.6 + 6;
      var label = L.latLng(country.label[1], country.label[0]);
      var p = map.latLngToContainerPoint(label);
      if (p.x >= half && p.x <= size.x - half && p.y >= 12 && p.y <= size.y - 12) return label;
      var polygon = outlines[index];
      if (!polygon || !view.intersects(polygon.getBounds())) return null;
      // boxed the first time a name is looked for in the country (most never are)
      var rings = polygon.influencemapRings || (polygon.influencemapRings = boxedRings([].concat.apply([], polygon.influencemapParts)));
      // The samples are far apart (a sixth of the view): until zoomed in well past the coarse
      // outlines' zooms, those (simplified to ~13 km) choose among them as well and many times
      // cheaper; the spot chosen is always tested on the outline drawn.
      var sampleRings = rings;
      if (map.getZoom() < coarseBelow + 3 && country.coarse && country.coarse.length) {
        sampleRings = coarseRings[index] || (coarseRings[index] = boxedRings([].concat.apply([], country.coarse.map(function (rings) {
          return rings.map(function (ring) { return decodeRing(ring, scale); });
        }))));
      }
      var samples = [];
      var cols = NAME_GRID[0];
      var rows = NAME_GRID[1];
      for (var r = 0; r < rows; r++) {
        for (var c = 0; c < cols; c++) {
          var point = L.point(((c + 0.5) * size.x) / cols, ((r + 0.5) * size.y) / rows);
          if (insideRings(sampleRings, map.containerPointToLatLng(point))) samples.push(point);
        }
      }
      if (samples.length < NAME_MIN_SAMPLES) return null;
      var mx = 0;
      var my = 0;
      samples.forEach(function (q) { mx += q.x / samples.length; my += q.y / samples.length; });
      samples.sort(function (a, b) {
        return (a.x - mx) * (a.x - mx) + (a.y - my) * (a.y - my) - ((b.x - mx) * (b.x - mx) + (b.y - my) * (b.y - my));
      });
      for (var k = 0; k < samples.length; k++) {
        var spot = L.point(Math.min(Math.max(samples[k].x, half + 4), size.x - half - 4), Math.min(Math.max(samples[k].y, 16), size.y - 16));
        var latlng = map.containerPointToLatLng(spot);
        if (insideRings(rings, latlng)) return latlng;
      }
      return null;
    }

    // A country's name is made once the zoom shows names of its rank (most are never needed
    // at the zooms that show whole continents), and placed again after every move.
    var names = L.layerGroup();
    var nameMarkers = {};
    function showNames() {
      if (!map._loaded || !map.hasLayer(names)) return; // not yet, or an online base is shown
      var level = labelLevel(map.getZoom());
      var largest = level === 3 ? Infinity : level;
      var size = map.getSize();
      var view = map.getBounds();
      countries.countries.forEach(function (country, i) {
        var rank = number(country.rank, 3);
        var marker = nameMarkers[i];
        var spot = rank > largest ? null : nameSpot(country, i, size, view);
        if (!spot) {
          if (marker && names.hasLayer(marker)) names.removeLayer(marker);
          return;
        }
        if (!marker) {
          marker = nameMarkers[i] = L.marker(spot, {
            pane: "im-basemap-labels",
            interactive: false,
            keyboard: false,
            icon: L.divIcon({ html: el("span", null, country.name), className: "im-country-label im-rank-" + rank, iconSize: null }),
          });
          marker.influencemapCountry = country.code;
        } else {
          marker.setLatLng(spot);
        }
        if (!names.hasLayer(marker)) names.addLayer(marker);
      });
    }
    map.on("moveend", showNames);
    names.on("add", function () { map.whenReady(showNames); });
    // the attribution is the group's: given to each country, the control was redrawn for each
    return L.layerGroup([land, names], { attribution: attribution });
  };

  /* ---- big point layers --------------------------------------------------------------------- */

  /* A layer of more points than a page can hold as DOM markers (influencemap/export/
   * html_big_layer.py) comes as gzip-compressed columns. The points of every big layer are
   * clustered together with supercluster (vendored, ISC) and drawn on one canvas, clusters as
   * the small layers' clusters look; a click on a cluster zooms in or lists its features, a
   * click on a point opens its popup. A feature is built from the columns only when it is shown
   * (popup, stack list, search result), as the small layers' features are: same properties,
   * dates, figures and numbered sources. */
  var BIG_ROW_BITS = 67108864; // 2^26: a point's reference is layer number * 2^26 + row
  var BIG_MAX_ZOOM = 18; // the map's: points that share a place stay one cluster at every zoom
  /* The one index clusters every point for the zooms up to this; deeper, the points of the
   * view (read from the index's tree) are clustered when the view is drawn. Indexing a million
   * points for every zoom to 18 took 12.0 s of CPU (node 20, benchmark layer), to zoom 10 1.1 s:
   * past zoom 10 most points stand alone, and a view at zoom 11 of the benchmark's densest
   * country holds about 14,000 points with the canvas's margin (20-30 ms to cluster). */
  var BIG_INDEX_ZOOM = 10;
  /* Pixels: points closer than this on screen are one cluster. The small layers' markercluster
   * uses 45, but supercluster's clusters (its seeds' weighted centres) came out closer than
   * their 42-48 px circles in dense layers, drawn half over each other. */
  var BIG_CLUSTER_RADIUS = 60;
  var BIG_PAD = 0.25; // the canvas reaches this share of the view beyond each side, for panning
  var bigEntries = [];
  var bigPending = 0;
  var bigWaiting = [];
  var bigRenderer = null;
  var bigOffset = 0;

  function has(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key);
  }

  function base64Bytes(text) {
    var binary = atob(text);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }

  /* The JSON text of a packed data block (a Promise). */
  function inflate(text) {
    if (typeof DecompressionStream !== "function") {
      return Promise.reject(new Error("this browser cannot inflate the layer (it needs DecompressionStream)"));
    }
    var stream = new Blob([base64Bytes(text)]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text();
  }

  /* Row i of a column node, without decoding the column (a copy when it is a list or object). */
  function reader(node, count) {
    function own(value) {
      return value === null || typeof value !== "object" ? value : copy(value);
    }
    if (has(node, "c")) {
      var constant = node.c;
      return function () { return own(constant); };
    }
    if (has(node, "d") && has(node, "i")) {
      var table = node.d;
      var index = node.i;
      return function (i) { return own(table[index[i]]); };
    }
    if (has(node, "v")) {
      var values = node.v;
      return function (i) { return own(values[i]); };
    }
    if (has(node, "j")) {
      // texts joined into one (html_big_layer._joined): where each starts, found when first read
      var text = node.j;
      var starts = null;
      return function (i) {
        if (!starts) {
          starts = new Float64Array(count + 1);
          for (var r = 0, at = 0; r < count; r++) {
            starts[r] = at;
            var next = text.indexOf("\ud800", at);
            at = (next < 0 ? text.length : next) + 1;
          }
          starts[count] = text.length + 1;
        }
        var value = text.substring(starts[i], starts[i + 1] - 1);
        return value === "\ud801" ? null : value;
      };
    }
    var rows = decodeRows(node, count);
    return function (i) { return own(rows[i]); };
  }

  /* A list column ({n: lengths, KEY: items, ...}): row i's items of each key, as arrays. */
  function listReader(lists, count, keys) {
    var length = reader(lists.n, count);
    var starts = new Float64Array(count + 1);
    for (var i = 0; i < count; i++) starts[i + 1] = starts[i] + length(i);
    var items = keys.map(function (key) { return reader(lists[key], starts[count]); });
    return function (row) {
      var out = keys.map(function () { return []; });
      for (var at = starts[row]; at < starts[row + 1]; at++) {
        for (var k = 0; k < items.length; k++) out[k].push(items[k](at));
      }
      return out;
    };
  }

  function yearOf(text) {
    return typeof text === "string" ? parseInt(text.slice(0, 4), 10) : NaN;
  }

  /* A big layer's columns: coordinates and year spans as typed arrays, the rest read per row. */
  function BigColumns(spec, columns) {
    var n = (this.count = columns.count);
    this.spec = spec;
    var lon = (this.lon = new Float64Array(n));
    var lat = (this.lat = new Float64Array(n));
    for (var i = 0; i < n; i++) {
      lon[i] = columns.x[i] / 100000;
      lat[i] = columns.y[i] / 100000;
    }
    var self = this;
    ["id", "name", "start", "end", "dating", "precision", "description", "dates", "extra"].forEach(function (key) {
      self[key] = reader(columns[key], n);
    });
    this.symbolSize = columns.symbolSize ? reader(columns.symbolSize, n) : function () { return null; };
    this.countries = listReader(columns.countries, n, ["items"]);
    this.tags = listReader(columns.tags, n, ["items"]);
    this.actors = listReader(columns.actors, n, ["items"]);
    this.figures = listReader(columns.figures, n, ["label", "value", "unit", "shown"]);
    this.sources = listReader(columns.sources, n, ["ref", "locator", "quote"]);
    this.refCount = reader(columns.sources.n, n);
    this.sourceColumns = columns.sources;
    // the year filter's spans (yearsOf): from NaN for undated features, to Infinity when ongoing
    var from = (this.from = new Float64Array(n));
    var to = (this.to = new Float64Array(n));
    var known = {};
    for (i = 0; i < n; i++) {
      var start = this.start(i);
      var end = this.end(i);
      var a = has(known, "s" + start) ? known["s" + start] : (known["s" + start] = yearOf(start));
      from[i] = a;
      var b = end === null || end === undefined ? Infinity : has(known, "s" + end) ? known["s" + end] : (known["s" + end] = yearOf(end));
      to[i] = isNaN(b) ? Infinity : b;
    }
    this.shown = new Uint8Array(n).fill(1);
    this.shownCount = n;
  }

  /* Feature i as a small layer's GeoJSON feature: properties as the GeoJSON export writes them. */
  BigColumns.prototype.feature = function (i) {
    var compact = { id: this.id(i), name: this.name(i) };
    var countries = this.countries(i)[0];
    if (countries.length) compact.countries = countries;
    var self = this;
    ["start", "end", "dating"].forEach(function (key) {
      var value = self[key](i);
      if (value !== null && value !== undefined) compact[key] = value;
    });
    var tags = this.tags(i)[0];
    if (tags.length) compact.tags = tags;
    ["precision", "description"].forEach(function (key) {
      var value = self[key](i);
      if (value !== null && value !== undefined) compact[key] = value;
    });
    var figures = this.figures(i);
    if (figures[0].length) {
      compact.figures = figures[0].map(function (label, k) { return { label: label, value: figures[1][k], unit: figures[2][k] }; });
    }
    var actors = this.actors(i)[0];
    if (actors.length) compact.actors = actors;
    var sources = this.sources(i);
    compact.sources = sources[0].map(function (ref, k) {
      var citation = { ref: ref };
      if (sources[1][k] !== null && sources[1][k] !== undefined) citation.locator = sources[1][k];
      if (sources[2][k] !== null && sources[2][k] !== undefined) citation.quote = sources[2][k];
      return citation;
    });
    var extra = this.extra(i);
    if (extra) Object.keys(extra).forEach(function (key) { setKey(compact, key, extra[key]); });
    compact.layer = this.spec.id;
    var feature = {
      type: "Feature",
      geometry: { type: "Point", coordinates: [this.lon[i], this.lat[i]] },
      properties: expandProperties(compact),
    };
    feature.id = feature.properties.id;
    var display = {};
    var dates = this.dates(i);
    if (dates) display.dates = dates;
    if (figures[3].length) display.figures = figures[3];
    if (display.dates || display.figures) feature.display = display;
    var size = this.symbolSize(i);
    if (typeof size === "number") feature.symbolSize = size;
    return feature;
  };

  /* One point of a big layer where the page's code expects a marker (stack lists, popups,
   * search, links): its feature, its place, whether the filter shows it. */
  function BigPoint(entry, row) {
    this.entry = entry;
    this.row = row;
    this.influencemapIndex = entry.offset + row;
    this.options = entry.markerOptions;
    this._feature = null;
  }
  BigPoint.prototype.influencemapClustered = true;
  BigPoint.prototype.influencemapBig = true;
  Object.defineProperty(BigPoint.prototype, "feature", {
    get: function () {
      if (!this._feature) this._feature = this.entry.columns.feature(this.row);
      return this._feature;
    },
  });
  Object.defineProperty(BigPoint.prototype, "influencemapShown", {
    get: function () { return this.entry.columns.shown[this.row] === 1; },
  });
  BigPoint.prototype.getLatLng = function () {
    var c = this.entry.columns;
    return L.latLng(c.lat[this.row], c.lon[this.row]);
  };

  function bigPoint(ref) {
    var entry = bigEntries[Math.floor(ref / BIG_ROW_BITS)];
    return new BigPoint(entry, ref % BIG_ROW_BITS);
  }

  /* The shown points of the big layers at exactly this place, in the file's order. */
  function bigPointsAt(latlng) {
    var out = [];
    bigEntries.forEach(function (entry) {
      var c = entry.columns;
      if (!c) return;
      for (var i = 0; i < c.count; i++) {
        if (c.shown[i] && c.lat[i] === latlng.lat && c.lon[i] === latlng.lng) out.push(new BigPoint(entry, i));
      }
    });
    return out;
  }

  function bigFind(featureId) {
    for (var k = 0; k < bigEntries.length; k++) {
      var c = bigEntries[k].columns;
      if (!c) continue;
      for (var i = 0; i < c.count; i++) if (String(c.id(i)) === featureId) return new BigPoint(bigEntries[k], i);
    }
    return null;
  }

  function bigTotal(shownOnly) {
    var n = 0;
    bigEntries.forEach(function (entry) {
      if (entry.columns) n += shownOnly ? entry.columns.shownCount : entry.columns.count;
    });
    return n;
  }

  /* The canvas all big layers draw on, and their one cluster index. */
  var BigRenderer = L.Layer.extend({
    initialize: function () {
      this._index = null;
      this._drawn = [];
      this._images = {};
      this._stale = true;
    },
    onAdd: function (map) {
      if (!map.getPane("imBigPoints")) {
        var pane = map.createPane("imBigPoints");
        pane.style.zIndex = 550; // over lines and polygons, under the small layers' markers
        pane.style.pointerEvents = "none";
      }
      var canvas = (this._canvas = L.DomUtil.create("canvas", "im-big-points leaflet-zoom-animated"));
      map.getPane("imBigPoints").appendChild(canvas);
      map.on("moveend resize", this.sync, this);
      map.on("zoomanim", this._animateZoom, this);
      map.on("click", this._click, this);
      map.on("mousemove", this._hover, this);
      map.on("mouseout", this._leave, this);
      L.DomEvent.on(map.getContainer(), "keydown", this._key, this);
      this._redraw();
    },
    onRemove: function (map) {
      L.DomUtil.remove(this._canvas);
      map.off("moveend resize", this.sync, this);
      map.off("zoomanim", this._animateZoom, this);
      map.off("click", this._click, this);
      map.off("mousemove", this._hover, this);
      map.off("mouseout", this._leave, this);
      L.DomEvent.off(map.getContainer(), "keydown", this._key, this);
      this._leave();
    },
    /* From the keyboard: the map focused (Tab), the arrows and +/- move it (Leaflet's keys),
     * Enter opens the cluster or point nearest the map's centre, as a click would. */
    _key: function (event) {
      var map = this._map;
      if (event.key !== "Enter" || event.target !== map.getContainer()) return;
      var centre = map.getSize().divideBy(2);
      var best = null;
      var bestDistance = 60 * 60;
      this._drawn.forEach(function (d) {
        var distance = (d.x - centre.x) * (d.x - centre.x) + (d.y - centre.y) * (d.y - centre.y);
        if (distance <= bestDistance) {
          best = d;
          bestDistance = distance;
        }
      });
      if (best) {
        L.DomEvent.preventDefault(event);
        this.open(best, true);
      }
    },
    /* The points shown changed (a layer checked or unchecked, the year filter, data arrived). */
    refresh: function () {
      this._stale = true;
      if (this._map) this._redraw();
    },
    _visible: function () {
      return bigEntries.filter(function (entry) { return entry.columns && entry.visible; });
    },
    _build: function () {
      this._stale = false;
      var started = performance.now();
      var visible = this._visible();
      var points = [];
      visible.forEach(function (entry) {
        var c = entry.columns;
        var base = entry.number * BIG_ROW_BITS;
        for (var i = 0; i < c.count; i++) {
          if (c.shown[i]) points.push({ geometry: { coordinates: [c.lon[i], c.lat[i]] }, properties: base + i });
        }
      });
      var options = this._options(0, BIG_INDEX_ZOOM, visible.length > 1);
      var at = performance.now();
      this._index = points.length ? new Supercluster(options).load(points) : null;
      this.timings = { points: at - started, index: performance.now() - at };
    },
    _options: function (minZoom, maxZoom, mixed) {
      var options = { minZoom: minZoom, maxZoom: maxZoom, radius: BIG_CLUSTER_RADIUS, extent: 256 };
      if (mixed) {
        // a cluster counts its points by layer, for the ring of colours
        var layers = bigEntries.length;
        options.map = function (ref) {
          var counts = new Array(layers).fill(0);
          counts[Math.floor(ref / BIG_ROW_BITS)] = 1;
          return { counts: counts };
        };
        options.reduce = function (sum, props) {
          // a new array: supercluster copies a cluster's properties shallowly, so the one in
          // `sum` may still be a child cluster's, which must keep its own counts
          sum.counts = sum.counts.map(function (n, k) { return n + props.counts[k]; });
        };
      }
      return options;
    },
    _image: function (entry, size) {
      var key = entry.number + ":" + size;
      var image = this._images[key];
      if (!image) {
        var style = size ? Object.assign({}, entry.spec.style || {}, { size: size }) : entry.spec.style || {};
        image = this._images[key] = new Image();
        image.onload = this.refresh.bind(this);
        image.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(markerSvg(style));
        image.influencemapSide = markerBox(size || (entry.spec.style || {}).size);
      }
      return image;
    },
    /* The clusters and points in (and around) the view, as the map draws them now, and the
     * index that made them (for a cluster's points and zoom). */
    _items: function () {
      var map = this._map;
      if (!map || !this._index) return { items: [], index: null };
      var zoom = Math.max(0, Math.min(BIG_MAX_ZOOM, Math.floor(map.getZoom())));
      var bounds = map.getBounds().pad(BIG_PAD);
      var west = Math.max(bounds.getWest(), -180);
      var east = Math.min(bounds.getEast(), 180);
      var south = Math.max(bounds.getSouth(), -85.06);
      var north = Math.min(bounds.getNorth(), 85.06);
      var box = [west, south, east, north];
      var items = this._index.getClusters(box, zoom);
      if (zoom <= BIG_INDEX_ZOOM || !items.length) return { items: items, index: this._index };
      // past the index's zooms it gives the points themselves: clustered here, for this zoom
      var local = new Supercluster(this._options(zoom, zoom, this._visible().length > 1)).load(items);
      return { items: local.getClusters(box, zoom), index: local };
    },
    /* Draws the view unless it is drawn already (the place names ask first, to keep clear of
     * what is drawn); returns what is drawn. */
    sync: function () {
      var map = this._map;
      if (map && (this._stale || this._view !== this._viewKey())) this._redraw();
      return this.drawn();
    },
    _viewKey: function () {
      var map = this._map;
      var c = map.getCenter();
      var size = map.getSize();
      return [map.getZoom(), c.lat, c.lng, size.x, size.y].join(",");
    },
    _redraw: function () {
      var map = this._map;
      if (!map) return;
      if (this._stale) this._build();
      this._view = this._viewKey();
      var size = map.getSize();
      var pad = size.multiplyBy(BIG_PAD).round();
      var ratio = window.devicePixelRatio || 1;
      var canvas = this._canvas;
      var width = size.x + 2 * pad.x;
      var height = size.y + 2 * pad.y;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = width + "px";
      canvas.style.height = height + "px";
      var origin = L.point(-pad.x, -pad.y);
      this._origin = origin;
      this._originLatLng = map.containerPointToLatLng(origin);
      this._zoom = map.getZoom();
      L.DomUtil.setPosition(canvas, map.containerPointToLayerPoint(origin));
      var ctx = canvas.getContext("2d");
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.clearRect(0, 0, width, height);
      var found = this._items();
      var items = found.items;
      var index = found.index;
      var drawn = [];
      var clusters = [];
      var self = this;
      items.forEach(function (item) {
        var c = item.geometry.coordinates;
        var p = map.latLngToContainerPoint([c[1], c[0]]);
        if (item.properties && item.properties.cluster) {
          clusters.push({ item: item, p: p });
          return;
        }
        var point = bigPoint(item.properties);
        var sized = point.entry.columns.symbolSize(point.row);
        var image = self._image(point.entry, typeof sized === "number" && sized > 0 ? sized : 0);
        var side = image.influencemapSide;
        if (image.complete && image.naturalWidth) ctx.drawImage(image, p.x - origin.x - side / 2, p.y - origin.y - side / 2, side, side);
        drawn.push({ x: p.x, y: p.y, r: Math.max(side / 2, 6), point: point, latlng: L.latLng(c[1], c[0]) });
      });
      clusters.sort(function (a, b) { return a.item.properties.point_count - b.item.properties.point_count; });
      clusters.forEach(function (cluster) { // the biggest last, on top
        var n = cluster.item.properties.point_count;
        var side = n < 10 ? 30 : n < 100 ? 36 : n < 1000 ? 42 : 48;
        self._drawCluster(ctx, cluster.p.x - origin.x, cluster.p.y - origin.y, side / 2, n, cluster.item.properties.counts);
        var c = cluster.item.geometry.coordinates;
        drawn.push({ x: cluster.p.x, y: cluster.p.y, r: side / 2 + 3, cluster: cluster.item, index: index, latlng: L.latLng(c[1], c[0]) });
      });
      this._drawn = drawn;
    },
    /* A cluster as the small layers' (.im-cluster): a ring in the layers' colours, in
     * proportion, a light disc and the count, a thin dark and a white rim, a soft shadow. */
    _drawCluster: function (ctx, x, y, r, n, counts) {
      ctx.save();
      ctx.shadowColor = "rgba(0,0,0,0.35)";
      ctx.shadowBlur = 5;
      ctx.shadowOffsetY = 1;
      ctx.beginPath();
      ctx.arc(x, y, r + 3, 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(255,255,255,0.8)";
      ctx.fill();
      ctx.restore();
      ctx.beginPath();
      ctx.arc(x, y, r + 1, 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(0,0,0,0.4)";
      ctx.fill();
      var at = -Math.PI / 2;
      bigEntries.forEach(function (entry, k) {
        var share = counts ? counts[k] / n : entry.visible && entry.columns ? 1 : 0;
        if (!share) return;
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.arc(x, y, r, at, at + share * 2 * Math.PI);
        ctx.closePath();
        ctx.fillStyle = entry.colour;
        ctx.fill();
        at += share * 2 * Math.PI;
      });
      ctx.beginPath();
      ctx.arc(x, y, r - 5, 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(255,255,255,0.92)";
      ctx.fill();
      ctx.fillStyle = "#111";
      ctx.font = "700 12px " + (window.getComputedStyle ? window.getComputedStyle(this._map.getContainer()).fontFamily : "sans-serif");
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(clusterCount(n), x, y + 0.5);
    },
    _animateZoom: function (event) {
      if (!this._originLatLng) return;
      var scale = this._map.getZoomScale(event.zoom, this._zoom);
      var offset = this._map._latLngToNewLayerPoint(this._originLatLng, event.zoom, event.center);
      L.DomUtil.setTransform(this._canvas, offset, scale);
    },
    /* The drawn cluster or point under a container point (the topmost: clusters are drawn last). */
    hit: function (point) {
      for (var i = this._drawn.length - 1; i >= 0; i--) {
        var d = this._drawn[i];
        var dx = d.x - point.x;
        var dy = d.y - point.y;
        if (dx * dx + dy * dy <= d.r * d.r) return d;
      }
      return null;
    },
    _own: function (event) {
      // a click on a small layer's marker or path, a popup or a control is theirs
      var target = event.originalEvent && event.originalEvent.target;
      return !(target && target.closest && target.closest(".leaflet-marker-icon, .leaflet-interactive, .leaflet-popup, .leaflet-control"));
    },
    _click: function (event) {
      if (!this._own(event)) return;
      var hit = this.hit(event.containerPoint);
      if (hit) this.open(hit, false);
    },
    /* A cluster zooms in, or lists its features when they share a place or the map is zoomed
     * in far (as the small layers' clusters do); a point opens its popup. */
    open: function (hit, byKey) {
      var map = this._map;
      if (hit.point) {
        openFeaturePopup(hit.point, [hit.point], byKey);
        return;
      }
      var id = hit.cluster.properties.cluster_id;
      if (this._listed(hit)) {
        var points = hit.index.getLeaves(id, Infinity).map(function (leaf) { return bigPoint(leaf.properties); });
        openStackList(hit.latlng, points, byKey);
      } else {
        map.setView(hit.latlng, Math.min(hit.index.getClusterExpansionZoom(id), map.getMaxZoom()));
      }
    },
    /* Whether a click on the cluster lists its features: the map is zoomed in far, or they
     * would not come apart before the list zoom (they share a place, or nearly). */
    _listed: function (hit) {
      var map = this._map;
      if (map.getZoom() >= Math.min(map.getMaxZoom(), LIST_ZOOM)) return true;
      return hit.index.getClusterExpansionZoom(hit.cluster.properties.cluster_id) > LIST_ZOOM;
    },
    _hover: function (event) {
      var hit = this._own(event) ? this.hit(event.containerPoint) : null;
      var container = this._map.getContainer();
      if (!hit) {
        this._leave();
        return;
      }
      container.classList.add("im-big-hover");
      var text;
      if (hit.point) {
        text = String(hit.point.feature.properties.name);
      } else {
        var n = hit.cluster.properties.point_count;
        text = count(n) + " features here: click to " + (this._listed(hit) ? "list them" : "zoom in");
      }
      if (!this._tooltip) this._tooltip = L.tooltip(TOOLTIP_OPTIONS);
      this._tooltip.setLatLng(hit.latlng).setContent(document.createTextNode(text));
      if (!this._map.hasLayer(this._tooltip)) this._tooltip.addTo(this._map);
    },
    _leave: function () {
      if (!this._map) return;
      this._map.getContainer().classList.remove("im-big-hover");
      if (this._tooltip && this._map.hasLayer(this._tooltip)) this._map.removeLayer(this._tooltip);
    },
    /* What is drawn now: {x, y, count} in the map's container pixels (for tests and the
     * place names, which keep clear of our points). */
    drawn: function () {
      return this._drawn.map(function (d) {
        var layers = {};
        var counts = d.cluster && d.cluster.properties.counts;
        if (d.point) layers[d.point.entry.spec.id] = 1;
        else if (counts) bigEntries.forEach(function (entry, k) { if (counts[k]) layers[entry.spec.id] = counts[k]; });
        else bigEntries.forEach(function (entry) { if (entry.visible && entry.columns) layers[entry.spec.id] = d.cluster.properties.point_count; });
        return { x: d.x, y: d.y, r: d.r, count: d.cluster ? d.cluster.properties.point_count : 1, cluster: !!d.cluster, layers: layers };
      });
    },
    /* Opens what is drawn at a container point, as a click there would. */
    clickAt: function (x, y) {
      var hit = this.hit(L.point(x, y));
      if (hit) this.open(hit, false);
      return !!hit;
    },
  });

  function sharedBigRenderer(map) {
    if (!bigRenderer) {
      bigRenderer = new BigRenderer();
      im.bigPoints = bigRenderer;
    }
    if (map && !map.hasLayer(bigRenderer)) map.addLayer(bigRenderer);
    return bigRenderer;
  }

  /* A big layer's overlay in the layer list: checking it shows its points on the shared canvas. */
  var BigOverlay = L.Layer.extend({
    initialize: function (entry) {
      this._entry = entry;
    },
    onAdd: function (map) {
      this._entry.visible = true;
      sharedBigRenderer(map).refresh();
    },
    onRemove: function () {
      this._entry.visible = false;
      if (bigRenderer) bigRenderer.refresh();
    },
  });

  function whenBigLoaded(callback) {
    if (bigPending === 0) callback();
    else bigWaiting.push(callback);
  }

  function bigLoaded() {
    bigPending -= 1;
    if (bigPending === 0) {
      var waiting = bigWaiting;
      bigWaiting = [];
      waiting.forEach(function (callback) { callback(); });
    }
  }

  function bigFailed(spec, error) {
    var box = document.createElement("div");
    box.className = "im-big-error";
    box.setAttribute("role", "alert");
    box.textContent = "The layer \u201c" + spec.name + "\u201d cannot be shown: " + (error && error.message ? error.message : error) + ".";
    document.body.appendChild(box);
  }

  /* One big layer from its data block ({spec, data: {count, gzip}}): its overlay at once, its
   * points once the columns are inflated (the page's controls wait for them). */
  im.bigLayer = function (block) {
    var spec = block.spec;
    var style = spec.style || {};
    var side = markerBox(style.size);
    var entry = {
      spec: spec,
      big: true,
      number: bigEntries.length,
      offset: bigOffset,
      features: [],
      columns: null,
      visible: false,
      colour: colour(style.fill, colour(style.color, "#d7301f")),
      markerOptions: { icon: { options: { popupAnchor: [0, -side / 3] } } },
    };
    bigOffset += block.data.count;
    entry.layer = new BigOverlay(entry);
    bigEntries.push(entry);
    im.layers[spec.id] = entry;
    bigPending += 1;
    clustering += 1;
    var started = performance.now();
    var timings = (entry.timings = {});
    inflate(block.data.gzip)
      .then(function (text) {
        timings.inflate = performance.now() - started;
        var at = performance.now();
        var columns = JSON.parse(text);
        timings.parse = performance.now() - at;
        at = performance.now();
        entry.columns = new BigColumns(spec, columns);
        timings.columns = performance.now() - at;
      })
      .catch(function (error) {
        bigFailed(spec, error);
      })
      .then(function () {
        bigLoaded();
        if (bigRenderer) bigRenderer.refresh();
        clustering -= 1;
        checkReady();
      });
    return entry.layer;
  };

  /* The year filter on the big layers: the shown flags, then the clusters again (once the
   * slider rests: a million points take a moment to cluster). */
  var bigRefreshTimer = null;
  function filterBig() {
    bigEntries.forEach(function (entry) {
      var c = entry.columns;
      if (!c) return;
      var shown = 0;
      var open = filter.from === null && filter.to === null;
      for (var i = 0; i < c.count; i++) {
        var wanted;
        if (isNaN(c.from[i])) wanted = open || filter.undated;
        else wanted = !(filter.from !== null && c.to[i] < filter.from) && !(filter.to !== null && c.from[i] > filter.to);
        c.shown[i] = wanted ? 1 : 0;
        if (wanted) shown += 1;
      }
      c.shownCount = shown;
    });
    if (!bigRenderer || !bigEntries.length) return;
    if (bigRefreshTimer) window.clearTimeout(bigRefreshTimer);
    bigRenderer._stale = true;
    bigRefreshTimer = window.setTimeout(function () {
      bigRefreshTimer = null;
      bigRenderer.refresh();
    }, 120);
  }

  /* ---- filters ---------------------------------------------------------------------------- */

  /* The app's rule for undated features (and the command line's): while the year range is
   * open, every feature shows, dated or not; once a range is set, undated features show only
   * with "include undated", which is off until the reader checks it. */
  var filter = { from: null, to: null, undated: false };

  function passes(layer) {
    var years = layer.influencemapYears;
    if (!years) return (filter.from === null && filter.to === null) || filter.undated;
    if (filter.from !== null && years[1] < filter.from) return false;
    if (filter.to !== null && years[0] > filter.to) return false;
    return true;
  }

  var filterListeners = [];

  function applyFilter() {
    Object.keys(im.layers).forEach(function (id) {
      var entry = im.layers[id];
      if (entry.big) return;
      var show = [];
      var hide = [];
      entry.features.forEach(function (layer) {
        var wanted = passes(layer);
        if (wanted !== layer.influencemapShown) (wanted ? show : hide).push(layer);
        layer.influencemapShown = wanted;
      });
      if (hide.length) entry.layer.removeLayers(hide);
      if (show.length) entry.layer.addLayers(show);
    });
    filterBig();
    if (im.map) im.map.closePopup();
    filterListeners.forEach(function (listener) { listener(); });
    stateChanged();
  }

  /* Show the features whose span overlaps [from, to] (years, inclusive; null: open end);
   * `undated`, when given, is "include undated" (it counts only while a range is set). */
  im.setYears = function (from, to, undated) {
    filter.from = from === undefined ? null : from;
    filter.to = to === undefined ? null : to;
    if (undated !== undefined) filter.undated = !!undated;
    applyFilter();
  };

  im.shownCount = function () {
    return im.features.filter(function (layer) { return layer.influencemapShown; }).length + bigTotal(true);
  };

  /* How many features the page has, in small and big layers. */
  im.featureCount = function () {
    return im.features.length + bigTotal(false);
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
    if (!layer) layer = bigFind(String(featureId));
    if (!layer) return false;
    reveal(layer);
    return true;
  };

  /* The shown points at exactly the marker's place, in the file's order. */
  function markersAt(marker) {
    var here = marker.getLatLng();
    if (marker.influencemapBig) return bigPointsAt(here);
    return im.features.filter(function (layer) {
      return layer.influencemapClustered && layer.influencemapShown && layer.getLatLng().equals(here, 0);
    });
  }

  var STACK_POPUP_OPTIONS = { maxWidth: 380, minWidth: 260, className: "im-leaflet-popup im-stack-popup" };

  /* A popup listing every feature of a stack by name, grouped by layer, scrolling (never
   * paged); choosing one opens its own popup, which leads back to the list. */
  function openStackList(latlng, markers, focus) {
    markers = markers.slice().sort(function (a, b) { return a.influencemapIndex - b.influencemapIndex; });
    var box = el("div", "im-stack");
    box.appendChild(el("h3", "im-stack-title", count(markers.length) + " features here"));
    var list = el("ul", "im-stack-list");
    var lastLayer;
    markers.forEach(function (marker) {
      var properties = marker.feature.properties;
      if (properties.layer !== lastLayer) {
        lastLayer = properties.layer;
        var entry = im.layers[properties.layer] || { spec: { style: {} } };
        var heading = el("li", "im-stack-layer");
        heading.appendChild(swatch(entry.spec.style || {}, "point"));
        heading.appendChild(el("span", null, (tables.layers[properties.layer] || {}).name || properties.layer));
        list.appendChild(heading);
      }
      var item = el("li");
      var button = el("button", "im-stack-item");
      button.type = "button";
      button.setAttribute("data-feature", String(properties.id));
      button.appendChild(el("span", "im-stack-name", properties.name));
      var when = (marker.feature.display || {}).dates;
      if (when) button.appendChild(el("span", "im-stack-meta", when));
      button.addEventListener("click", function (event) { openFeaturePopup(marker, markers, event.detail === 0); });
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(list);
    keepEvents(box);
    L.popup(STACK_POPUP_OPTIONS).setLatLng(latlng).setContent(box).openOn(im.map);
    if (focus) list.querySelector("button").focus(); // from the keyboard: Tab walks the list, Enter opens one
  }
  im.openStackList = openStackList;

  /* A point's own popup, opened at its place whether its marker is shown or inside a cluster;
   * when other features share the place, a link goes back to the list of them all. */
  function openFeaturePopup(marker, stack, focus) {
    var box = el("div", "im-feature-popup");
    if (stack && stack.length > 1) {
      var back = el("button", "im-stack-back", "\u2039 All " + count(stack.length) + " features here");
      back.type = "button";
      back.addEventListener("click", function (event) { openStackList(marker.getLatLng(), stack, event.detail === 0); });
      box.appendChild(back);
    }
    box.appendChild(featureDetails(marker.feature));
    keepEvents(box);
    var anchor = L.point(marker.options.icon.options.popupAnchor || [0, 0]);
    var options = Object.assign({}, POPUP_OPTIONS, { offset: L.point(0, 7).add(anchor) });
    var popup = L.popup(options).setLatLng(marker.getLatLng()).setContent(box);
    popup.influencemapFeature = String(marker.feature.properties.id);
    popup.openOn(im.map);
    if (focus && box.firstChild.focus) box.firstChild.focus();
  }

  function reveal(layer) {
    var map = im.map;
    if (!layer.influencemapBig) bindFeature(layer);
    if (!layer.influencemapShown) im.setYears(null, null); // the year filter hid it: open the range
    var entry = im.layers[layer.feature.properties.layer];
    if (entry && !map.hasLayer(entry.layer)) map.addLayer(entry.layer);
    if (layer.influencemapClustered) {
      map.setView(layer.getLatLng(), Math.max(map.getZoom(), 7), { animate: false });
      openFeaturePopup(layer, markersAt(layer));
      return;
    }
    if (layer.getLatLng) {
      map.setView(layer.getLatLng(), Math.max(map.getZoom(), 7), { animate: false });
    } else if (layer.getBounds) {
      map.fitBounds(layer.getBounds(), { maxZoom: 9, padding: [40, 40], animate: false });
    }
    layer.openPopup();
  }

  /* ---- links: the page's state in the URL fragment ---------------------------------------- */

  /* The view, the open feature, the year range and the search live in the fragment,
   * map=ZOOM/LAT/LON&feature=ID&years=FROM-TO&undated=1&q=TEXT, kept up to date with
   * history.replaceState (no entry in the history for every pan), so a copied address reopens
   * the page as it is. */
  var yearSpan = null;
  var selected = null;
  var applying = false;
  var stateReady = false;
  var lastFragment = null;

  function coordinateDigits(zoom) {
    return Math.max(2, Math.min(6, Math.ceil(zoom * 0.3) + 1));
  }

  function stateParts(featureId) {
    var parts = [];
    var map = im.map;
    if (map) {
      var centre = map.getCenter();
      var zoom = map.getZoom();
      var digits = coordinateDigits(zoom);
      parts.push("map=" + Number(zoom.toFixed(2)) + "/" + centre.lat.toFixed(digits) + "/" + centre.lng.toFixed(digits));
    }
    var feature = featureId === undefined ? selected : featureId;
    if (feature !== null && feature !== undefined) parts.push("feature=" + encodeURIComponent(feature));
    if (yearSpan && (filter.from !== null || filter.to !== null)) {
      var from = filter.from === null ? yearSpan[0] : filter.from;
      var to = filter.to === null ? yearSpan[1] : filter.to;
      parts.push("years=" + from + "-" + to);
      if (filter.undated) parts.push("undated=1");
    }
    var text = searchBox ? searchBox.text().trim() : "";
    if (text) parts.push("q=" + encodeURIComponent(text));
    return parts;
  }

  im.stateFragment = function () {
    return stateParts().join("&");
  };

  function pageAddress() {
    return window.location.href.split("#")[0];
  }

  im.linkToFeature = function (featureId) {
    return pageAddress() + "#" + stateParts(featureId).join("&");
  };

  var statePending = false;
  var printing = false; // the view fitted to the paper is not the reader's: the fragment stays
  function stateChanged() {
    if (!stateReady || applying || printing || statePending) return;
    statePending = true;
    window.setTimeout(function () {
      statePending = false;
      if (applying || printing) return;
      var fragment = im.stateFragment();
      if (fragment === lastFragment) return;
      lastFragment = fragment;
      try {
        window.history.replaceState(window.history.state, "", "#" + fragment);
      } catch (error) {
        // some browsers refuse replaceState on file: pages; the fragment then stays as opened
      }
    }, 0);
  }

  function parseFragment(text) {
    var out = {};
    String(text || "").replace(/^#/, "").split("&").forEach(function (part) {
      if (!part) return;
      var at = part.indexOf("=");
      var key = at < 0 ? part : part.slice(0, at);
      var value = at < 0 ? "" : part.slice(at + 1);
      try {
        value = decodeURIComponent(value.replace(/\+/g, " "));
      } catch (error) {
        return; // a broken escape: leave the part out
      }
      setKey(out, key, value);
    });
    return out;
  }

  function findFeature(featureId) {
    for (var i = 0; i < im.features.length; i++) {
      if (String(im.features[i].feature.properties.id) === featureId) return im.features[i];
    }
    return bigFind(featureId);
  }

  /* Restores the state a fragment gives; what it leaves out stays as it is. Returns what it
   * applied, by name. */
  im.applyFragment = function (text) {
    var state = parseFragment(text);
    var done = [];
    applying = true;
    try {
      if (Object.prototype.hasOwnProperty.call(state, "years") && yearSpan) {
        var years = /^(-?\d+)-(-?\d+)$/.exec(state.years);
        if (years) {
          var from = Math.max(Number(years[1]), yearSpan[0]);
          var to = Math.min(Number(years[2]), yearSpan[1]);
          if (from <= to) {
            im.setYears(from === yearSpan[0] ? null : from, to === yearSpan[1] ? null : to, state.undated === "1");
            done.push("years");
          }
        }
      }
      if (Object.prototype.hasOwnProperty.call(state, "q") && searchBox) {
        searchBox.set(state.q);
        done.push("q");
      }
      if (state.feature) {
        var layer = findFeature(state.feature);
        if (layer) {
          reveal(layer);
          done.push("feature");
        }
      }
      var view = /^(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(state.map || "");
      if (view && im.map) {
        var zoom = Math.min(Math.max(Number(view[1]), im.map.getMinZoom()), im.map.getMaxZoom());
        var lat = Math.max(-85, Math.min(85, Number(view[2])));
        im.map.setView([lat, Number(view[3])], zoom, { animate: false });
        done.push("map");
      }
    } finally {
      applying = false;
    }
    lastFragment = null;
    stateChanged();
    return done;
  };

  function watchState(map) {
    map.on("moveend", stateChanged);
    map.on("popupopen", function (event) {
      var popup = event.popup;
      var source = popup._source;
      var id = popup.influencemapFeature;
      if (id === undefined && source && source.feature) id = source.feature.properties.id;
      selected = id === undefined || id === null ? null : String(id);
      stateChanged();
    });
    map.on("popupclose", function () {
      selected = null;
      stateChanged();
    });
    window.addEventListener("hashchange", function () {
      var fragment = window.location.hash.replace(/^#/, "");
      if (fragment !== lastFragment) im.applyFragment(fragment);
    });
  }

  /* ---- keyboard ---------------------------------------------------------------------------- */

  /* Lines and polygons take the focus like markers do (Tab), Enter opens their popup; a popup
   * opened from the keyboard takes the focus, and Escape closes it and gives the focus back. */
  function focusablePath(layer) {
    layer.on("add", function () {
      var path = layer.getElement && layer.getElement();
      if (!path || path.hasAttribute("tabindex")) return;
      path.setAttribute("tabindex", "0");
      path.setAttribute("role", "button");
      path.setAttribute("aria-label", String(layer.feature.properties.name));
      path.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          layer.openPopup();
        }
      });
    });
  }

  function keyboardPopups(map) {
    var container = map.getContainer();
    var opener = null;
    map.on("popupopen", function (event) {
      var active = document.activeElement;
      var popupBox = event.popup.getElement();
      if (!active || active === document.body || !container.contains(active) || (popupBox && popupBox.contains(active))) return;
      if (active.closest && active.closest(".leaflet-control")) return; // the search opened it: focus stays there
      opener = active;
      var name = popupBox && popupBox.querySelector(".im-popup-name, .im-stack-title");
      if (name) {
        name.tabIndex = -1;
        name.focus({ preventScroll: true });
      }
    });
    map.on("popupclose", function (event) {
      var popupBox = event.popup.getElement();
      var active = document.activeElement;
      var lost = !active || active === document.body || (popupBox && popupBox.contains(active));
      if (lost && opener && document.body.contains(opener)) opener.focus({ preventScroll: true });
    });
    container.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      var popupPane = map.getPane("popupPane");
      if (map._popup && (popupPane.contains(event.target) || event.target === opener)) {
        map.closePopup();
        event.stopPropagation();
      }
    });
  }

  /* ---- printing ------------------------------------------------------------------------------ */

  /* What a printed page has around the map: above it the title, subtitle and notes; under it
   * what the filter shows, the legend and the numbered sources. Hidden on screen
   * (influencemap.css, @media print). */
  function printSheet(options) {
    var container = im.map.getContainer();
    if (options.title || options.subtitle || options.notes) {
      var head = el("header", "im-print im-print-head");
      if (options.title) head.appendChild(el("h2", "im-print-title", options.title));
      if (options.subtitle) head.appendChild(el("p", "im-subtitle", options.subtitle));
      if (options.notes) head.appendChild(el("p", "im-notes", options.notes));
      container.parentNode.insertBefore(head, container);
    }
    var sheet = el("section", "im-print");
    sheet.setAttribute("aria-label", "Printed legend and sources");
    var shown = el("p", "im-print-shown");
    sheet.appendChild(shown);
    var legend = el("div", "im-print-legend");
    legend.appendChild(el("h3", null, "Legend"));
    var lastCategory;
    (options.legend || []).filter(function (spec) { return spec.count > 0; }).forEach(function (spec) {
      if (spec.category !== lastCategory) {
        legend.appendChild(el("div", "im-legend-category im-print-category", spec.category));
        lastCategory = spec.category;
      }
      var row = el("div", "im-legend-row im-print-row");
      row.appendChild(symbols(spec));
      row.appendChild(el("span", "im-print-name", spec.name));
      row.appendChild(el("span", "im-print-count", count(spec.count)));
      legend.appendChild(row);
      var printKey = sizeKey(spec);
      if (printKey) legend.appendChild(printKey);
    });
    sheet.appendChild(legend);
    if (sourcesListed && (tables.sourceOrder || []).length) {
      var sources = el("div", "im-print-sources");
      sources.appendChild(el("h3", null, "Sources"));
      sources.appendChild(sourcesList("im-sources-list"));
      sheet.appendChild(sources);
    }
    function describe() {
      var text = count(im.shownCount()) + " of " + count(im.featureCount()) + " features shown";
      if (filter.from !== null || filter.to !== null) {
        var from = filter.from === null ? (yearSpan ? yearSpan[0] : "") : filter.from;
        var to = filter.to === null ? (yearSpan ? yearSpan[1] : "") : filter.to;
        text += ", years " + from + "\u2013" + to + (filter.undated ? " (and undated)" : "");
      }
      var query = searchBox ? searchBox.text().trim() : "";
      shown.textContent = text + ".";
      if (query) shown.textContent += " Search: \u201c" + query + "\u201d.";
    }
    describe();
    filterListeners.push(describe);
    container.parentNode.insertBefore(sheet, container.nextSibling);
    // The printed map is drawn again at its printed size, showing what the screen showed (the
    // page is narrower than most screens); the screen's view comes back when printing is done.
    var screenView = null;
    function toPaper() {
      var map = im.map;
      // called by "beforeprint" and again once the print styles apply: fitted each time, to
      // the size the map has by then
      if (!screenView) screenView = { bounds: map.getBounds(), center: map.getCenter(), zoom: map.getZoom() };
      printing = true;
      describe();
      map.invalidateSize({ pan: false });
      map.fitBounds(screenView.bounds, { animate: false, padding: [4, 4] });
    }
    function toScreen() {
      if (!screenView) return;
      var view = screenView;
      screenView = null;
      im.map.invalidateSize({ pan: false });
      im.map.setView(view.center, view.zoom, { animate: false });
      printing = false;
    }
    window.addEventListener("beforeprint", toPaper);
    window.addEventListener("afterprint", toScreen);
    if (window.matchMedia) {
      var query = window.matchMedia("print");
      var follow = function (event) { if (event.matches) toPaper(); else toScreen(); };
      if (query.addEventListener) query.addEventListener("change", follow);
      else if (query.addListener) query.addListener(follow);
    }
    return sheet;
  }

  /* ---- controls --------------------------------------------------------------------------- */

  /* The sources the features cite, numbered as the popups cite them: [n] title, then author,
   * publisher and date as the source gives them, and how many features cite it. */
  function sourcesList(className) {
    var cited = {};
    im.features.forEach(function (layer) {
      (layer.feature.properties.sources || []).forEach(function (source) {
        cited[source.id] = (cited[source.id] || 0) + 1;
      });
    });
    bigEntries.forEach(function (entry) {
      var c = entry.columns;
      if (!c) return;
      var total = 0;
      for (var i = 0; i < c.count; i++) total += c.refCount(i);
      var ref = reader(c.sourceColumns.ref, total);
      for (var k = 0; k < total; k++) {
        var id = ref(k);
        cited[id] = (cited[id] || 0) + 1;
      }
    });
    var list = el("ol", className);
    (tables.sourceOrder || []).forEach(function (id, index) {
      var source = tables.sources[id] || { id: id, title: id };
      var item = el("li", "im-sources-item");
      item.setAttribute("data-source", String(id));
      item.appendChild(el("span", "im-sources-number", "[" + (index + 1) + "]"));
      var text = el("span", "im-sources-text");
      text.appendChild(sourceTitle(source));
      var meta = sourceMeta(source);
      if (meta) text.appendChild(el("span", "im-source-meta", meta));
      var extra = tables.sourceDisplay[id] || {};
      if (typeof extra.url === "string" && SAFE_LINK.test(extra.url)) text.appendChild(el("span", "im-sources-url", extra.url));
      var n = cited[id] || 0;
      text.appendChild(el("span", "im-sources-cited", "cited by " + count(n) + (n === 1 ? " feature" : " features")));
      item.appendChild(text);
      list.appendChild(item);
    });
    return list;
  }

  /* The panel at the top left: the title, and, collapsible, the subtitle, the notes and "About
   * this map", the numbered list of every source behind the features. */
  var aboutPanel = null;

  function aboutControl(options) {
    var About = L.Control.extend({
      options: { position: "topleft" },
      onAdd: function (map) {
        var box = keepEvents(el("div", "im-title leaflet-control"));
        var head = el("div", "im-title-head");
        head.appendChild(el("h1", options.title ? null : "im-title-default", options.title || "About this map"));
        var toggle = el("button", "im-title-toggle");
        toggle.type = "button";
        head.appendChild(toggle);
        box.appendChild(head);
        var body = el("div", "im-title-body");
        body.id = "im-title-body";
        toggle.setAttribute("aria-controls", body.id);
        if (options.subtitle) body.appendChild(el("p", "im-subtitle", options.subtitle));
        if (options.notes) body.appendChild(el("p", "im-notes", options.notes));
        var sources = null;
        var numbered = (tables.sourceOrder || []).length;
        if (options.sourcesList !== false && numbered) {
          sources = el("details", "im-about");
          var summary = el("summary", null, "About this map: " + count(numbered) + (numbered === 1 ? " source" : " sources"));
          sources.appendChild(summary);
          sources.appendChild(el("p", "im-about-note",
            "Every feature cites its sources; popups cite them by these numbers."));
          sources.addEventListener("toggle", function () {
            // made the first time it opens: the features are all on the map by then
            if (sources.open && !sources.querySelector(".im-sources-list")) sources.appendChild(sourcesList("im-sources-list"));
          });
          body.appendChild(sources);
        }
        box.appendChild(body);
        function setOpen(open) {
          body.hidden = !open;
          toggle.setAttribute("aria-expanded", open ? "true" : "false");
          toggle.textContent = open ? "\u25b4" : "\u25be";
          var what = open ? "Hide" : "Show";
          toggle.title = what + " the description and sources";
          toggle.setAttribute("aria-label", what + " the description and sources");
        }
        toggle.addEventListener("click", function () { setOpen(body.hidden); });
        // open unless the map is too small for it to leave room for the data
        setOpen(map.getSize().x >= 700 && map.getSize().y >= 500);
        aboutPanel = {
          showSource: function (number) {
            setOpen(true);
            if (!sources) return false;
            sources.open = true;
            if (!sources.querySelector(".im-sources-list")) sources.appendChild(sourcesList("im-sources-list"));
            var item = sources.querySelectorAll(".im-sources-item")[number - 1];
            if (!item) return false;
            item.tabIndex = -1;
            item.scrollIntoView({ block: "nearest" });
            item.focus();
            return true;
          },
        };
        return box;
      },
    });
    return new About();
  }

  /* Opens the "About this map" list at source `number` and focuses it. */
  im.showSource = function (number) {
    return aboutPanel ? aboutPanel.showSource(number) : false;
  };

  var searchBox = null;

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
            // a big layer's names, each distinct name normalised once; its points made when found
            bigEntries.forEach(function (entry) {
              var c = entry.columns;
              if (!c) return;
              var keys = new Map();
              for (var i = 0; i < c.count; i++) {
                var name = c.name(i);
                var key = keys.get(name);
                if (key === undefined) {
                  key = normalise(name);
                  keys.set(name, key);
                }
                index.push({ entry: entry, row: i, key: key });
              }
            });
          }
          var words = normalise(text).split(/\s+/).filter(Boolean);
          if (!words.length) return [];
          return index.filter(function (item) {
            var shown = item.layer ? item.layer.influencemapShown : item.entry.columns.shown[item.row] === 1;
            return shown && words.every(function (w) { return item.key.indexOf(w) >= 0; });
          });
        }

        /* A found item's layer (a big layer's point is made when it is listed). */
        function layerOf(item) {
          if (!item.layer) item.layer = new BigPoint(item.entry, item.row);
          return item.layer;
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
            var props = layerOf(item).feature.properties;
            var li = el("li");
            var button = el("button", "im-search-result");
            button.type = "button";
            button.appendChild(el("span", "im-search-name", props.name));
            button.appendChild(el("span", "im-search-layer", (tables.layers[props.layer] || {}).name || props.layer));
            button.addEventListener("click", function (event) {
              // the list is emptied before the click reaches the map, which would no longer see
              // that it came from the control and close the popup it opened
              L.DomEvent.stopPropagation(event);
              choose(layerOf(item));
            });
            li.appendChild(button);
            results.appendChild(li);
          });
          if (found.length > 12) results.appendChild(el("li", "im-search-more", "\u2026 and " + count(found.length - 12) + " more"));
          if (!found.length) results.appendChild(el("li", "im-search-none", "No feature matches"));
        }

        input.addEventListener("input", function () {
          update();
          stateChanged();
        });
        searchBox = {
          text: function () { return input.value; },
          set: function (text) {
            input.value = text;
            update();
          },
        };
        input.addEventListener("keydown", function (event) {
          if (event.key === "Enter") {
            var first = matches(input.value)[0];
            if (first) choose(layerOf(first));
          } else if (event.key === "Escape") {
            input.value = "";
            update();
            stateChanged();
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
    bigEntries.forEach(function (entry) {
      var c = entry.columns;
      if (!c) return;
      for (var i = 0; i < c.count; i++) {
        if (isNaN(c.from[i])) {
          undated += 1;
        } else {
          years.push(c.from[i]);
          if (isFinite(c.to[i])) years.push(c.to[i]);
        }
      }
    });
    if (!years.length) return null;
    // a loop, not Math.min.apply: a hundred thousand arguments overflow the stack
    var min = Infinity;
    var max = -Infinity;
    years.forEach(function (year) {
      if (year < min) min = year;
      if (year > max) max = year;
    });
    yearSpan = [min, max];
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
          check.checked = filter.undated;
          row.title = "Undated features always show while the whole span is selected; " +
            "with a narrower range, only when this is checked";
          row.appendChild(check);
          row.appendChild(document.createTextNode(" Include undated (" + count(undated) + ")"));
          box.appendChild(row);
        }

        function render() {
          var a = from ? Number(from.value) : min;
          var b = to ? Number(to.value) : max;
          label.textContent = a === b ? "Year " + a : "Years " + a + "\u2013" + b;
          shownLabel.textContent = count(im.shownCount()) + " of " + count(im.featureCount()) + " shown";
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
            im.setYears(a === min ? null : a, b === max ? null : b, check ? check.checked : false);
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
        layers.filter(function (spec) { return spec.count > 0; }).forEach(function (spec) {
          if (spec.category !== lastCategory) {
            details.appendChild(el("div", "im-legend-category", spec.category));
            lastCategory = spec.category;
          }
          var row = el("div", "im-legend-row");
          row.appendChild(symbols(spec));
          row.appendChild(el("span", "im-legend-name", spec.name));
          row.appendChild(el("span", "im-legend-count", count(spec.count)));
          details.appendChild(row);
          var key = sizeKey(spec);
          if (key) details.appendChild(key);
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
    im.viewOptions = options;
    sourcesListed = options.sourcesList !== false;
    // the controls come before the map's panes in the page, so that Tab reaches the search,
    // the year filter and the legend before the thousands of markers
    var container = map.getContainer();
    if (map._controlContainer) container.insertBefore(map._controlContainer, container.firstChild);
    var listed = sourcesListed && (tables.sourceOrder || []).length > 0;
    if (options.title || options.subtitle || options.notes || listed) aboutControl(options).addTo(map);
    searchControl().addTo(map);
    L.control.zoom({ position: "topleft" }).addTo(map);
    fullscreenControl().addTo(map);
    L.control.scale({ position: "bottomleft", imperial: false }).addTo(map);
    var legend = legendControl(options.legend || []).addTo(map);
    if (options.bounds) fitData(map, options, legend);
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
    // the year filter, the links and the search need every layer's features: a big layer's
    // come once its columns are inflated
    whenBigLoaded(function () { makeControls(map, layerControl); });
  };

  function makeControls(map, layerControl) {
    im.layerControl = layerControl;
    flushCluster();
    var years = yearControl();
    if (years) years.addTo(map);
    if (layerControl) groupLayerList(layerControl);
    printSheet(im.viewOptions || {});
    keyboardPopups(map);
    watchState(map);
    var fragment = window.location.hash.replace(/^#/, "");
    if (fragment) im.applyFragment(fragment);
    stateReady = true;
    controlsMade = true;
    checkReady();
  }
})();
