/** JSON shapes of the specification and strict readers for client input (JSON-P). */
@NullMarked
package dev.presence.web.json;

import org.jspecify.annotations.NullMarked;
