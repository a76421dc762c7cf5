// Package chart draws the project's plots of values over time with gonum/plot: panels with a
// common look (Liberation Sans, light grid, legend at the top left, round tick steps), step
// lines, scale-event glyphs, a color-blind-safe palette, and a Figure that lays panels out in a
// grid (a panel may span several rows) under an optional title and renders it as PNG or SVG.
//
// It knows nothing of autoscalers: internal/simulate draws its what-if runs with it and
// internal/demo the replicas and metrics it recorded on a live control plane, so both plots
// look alike.
package chart
