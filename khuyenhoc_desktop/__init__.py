"""Khuyến Học Desktop: the study-promotion board's registry, titles, fund and reports."""

__version__ = "0.1.0"
APP_NAME = "Khuyến Học Desktop"
APP_ID = "KhuyenHocDesktop"
