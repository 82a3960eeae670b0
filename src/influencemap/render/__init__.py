"""Drawing the map with QPainter, the same way on every target: canvas, PNG and SVG.

The Web Mercator maths is in the Qt-free ``influencemap.geo.mercator``; these modules use
QtGui but no widgets, so they run headless and in worker threads.
"""
