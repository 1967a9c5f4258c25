//! The browser: find or attach Chromium, serve the player in isolation, seek, screenshot, console.
