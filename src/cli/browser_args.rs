//! Flags shared by every command that drives a browser.
