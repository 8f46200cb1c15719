/** Server-Sent Events: a channel's event stream without WebSocket. */
@NullMarked
package dev.presence.web.sse;

import org.jspecify.annotations.NullMarked;
