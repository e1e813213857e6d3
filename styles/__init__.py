"""Styles: presets as data, colour grades, gallery assets."""
