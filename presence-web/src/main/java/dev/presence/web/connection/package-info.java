/**
 * What every long-lived connection of a node shares, whatever its transport (WebSocket, Server-Sent
 * Events): the connection limits of SPEC 13.2.
 */
@NullMarked
package dev.presence.web.connection;

import org.jspecify.annotations.NullMarked;
