/**
 * Type declarations of presence.js, the browser client of the Presence server (SPEC section 11).
 * The functions have the seed's names and shapes; everything beyond them is marked as an addition.
 */

/** A user's attributes in a channel: a string to string map. */
export type Attributes = Record<string, string>;

/** The four event kinds (SPEC section 2). */
export type PresenceEventKind = "join" | "leave" | "timeout" | "attributesUpdate";

/** The event kinds under the names of the seed's SDK (@livelike/javascript's PresenceActionEvent). */
export declare const PresenceActionEvent: Readonly<{
  JOIN: "join";
  LEAVE: "leave";
  TIMEOUT: "timeout";
  ATTRIBUTES_UPDATE: "attributesUpdate";
}>;

/** What a listener receives for each event. */
export interface PresenceEventMessage {
  /** The user the event is about. */
  userProfileId: string;
  /** The channel. */
  channel: string;
  /** The current attributes for `join` and `attributesUpdate`; the last ones for `leave`/`timeout`. */
  attributes: Attributes;
  /** Addition: users present after the event. */
  occupancy: number;
  /** Addition: the channel's sequence number of the event (the new snapshot's, for synthetic ones). */
  seq: number;
  /** Addition: when the event happened (ISO-8601 UTC); null for synthetic events. */
  timestamp: string | null;
  /**
   * Addition: true for an event the client made up after a new snapshot (reconnect, resync) to
   * bring the listener's view up to date: `join`, `leave` (for a leave or a timeout it could not
   * see) or `attributesUpdate`.
   */
  synthetic?: true;
  /** Addition: `"kicked"` on a `leave` an administrator caused (SPEC 13.4); absent otherwise. */
  reason?: "kicked";
  /**
   * Addition (SPEC 13.3): true for an event taken from an interval message (a channel over the
   * server's `presence.channels.announce-max` users). An interval's lists reach listeners as one
   * event per user, in this order: `join` (list order; with the user's attributes when the
   * interval has them), `leave`, `timeout`, then `attributesUpdate` for the other users of its
   * `attributes`. Such events carry `seq` = the interval's `toSeq`, `fromSeq`, and the occupancy
   * at the end of the interval.
   */
  interval?: true;
  /** Addition (SPEC 13.3): on interval events, the first seq the interval covers. */
  fromSeq?: number;
}

/** The argument of a presence listener. */
export interface PresenceListenerEvent {
  event: PresenceEventKind;
  message: PresenceEventMessage;
}

/** A presence listener: called once per event, in the channel's order, never twice for one event. */
export type PresenceListener = (event: PresenceListenerEvent) => void;

/**
 * Addition (SPEC 13.3): how a channel is observed. `"events"` (default): every join, leave,
 * timeout and attribute change, and the member list. `"occupancy"`: the occupancy only (no member
 * list; cheap on very large channels).
 */
export type ObserveMode = "events" | "occupancy";

/** Addition (SPEC 13.3): what an occupancy listener receives when the channel's occupancy changed. */
export interface OccupancyListenerEvent {
  event: "occupancy";
  message: {
    channel: string;
    /** Users present. */
    occupancy: number;
    /** The channel's sequence number this occupancy reflects. */
    seq: number;
    timestamp: null;
  };
}

/**
 * Addition (SPEC 13.3): an occupancy listener (`addPresenceListener({ channel, mode: "occupancy" }, l)`):
 * called when the occupancy changed, at most once per event message or interval of the server.
 */
export type OccupancyListener = (event: OccupancyListenerEvent) => void;

/** A user present in a channel. */
export interface ChannelUser {
  userProfileId: string;
  attributes: Attributes;
}

/** The result of getPresenceChannelUsers. */
export interface ChannelUsersResult {
  channelUsers: ChannelUser[];
  /** Addition: how many users are present. */
  occupancy: number;
  /** Addition: the channel's sequence number this list reflects. */
  seq: number;
}

/** What addPresenceListener resolves to: the members when observing started. */
export interface ChannelSnapshot extends ChannelUsersResult {
  channel: string;
}

/** Addition (SPEC 13.3): what addPresenceListener in occupancy mode resolves to (no member list). */
export interface OccupancySnapshot extends ChannelSnapshot {
  /** Always empty: occupancy mode does not receive the member list. */
  channelUsers: [];
}

/** The connection's state, as reported to `onStatus`. */
export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "closed";

/** A WebSocket constructor (the browser's, or e.g. the `ws` package's in Node.js). */
export type WebSocketConstructor = new (url: string) => {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { data: any }) => void) | null;
  onerror: ((event: any) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
};

/**
 * Addition (SPEC 13.2): returns a fresh JWT for the same user (`init({ url, token, tokenProvider })`).
 * The server ends a connection when its token expires (the error `token expired`, then close
 * 1008); with a tokenProvider the client renews the token on the open connection
 * (`reauthenticate`) ahead of its `exp`: 30 s before it, or once 80 % of its remaining lifetime has
 * passed for a token with less than 150 s left (never more often than once a second; by the
 * client's clock, the server allows 30 s of skew). The client also asks it for every reconnect,
 * and after a close for expiry reconnects with a fresh token, sending again what was in flight. A
 * renewal that fails (the provider throws, or the server refuses the token) goes to `onError` and
 * is tried again every few seconds while the current token lasts. Without a tokenProvider a
 * connection ends at its token's `exp`.
 */
export type TokenProvider = () => Promise<string> | string;

/** The options of init and createPresenceClient: credentials (`token`, `tokenProvider` or both) and settings. */
export type PresenceOptions = PresenceCredentials & PresenceSettings;

/** How the client authenticates: `token`, `tokenProvider`, or both. */
export type PresenceCredentials =
  | {
      /**
       * A JWT whose `sub` is the user, or a function returning one (called before each connection).
       * With a `tokenProvider` too, the first connection uses it, later ones the provider's.
       */
      token: string | (() => string | Promise<string>);
      /** Addition (SPEC 13.2): renews the token; see TokenProvider. */
      tokenProvider?: TokenProvider;
    }
  | {
      token?: undefined;
      /** Addition (SPEC 13.2): renews the token; see TokenProvider. */
      tokenProvider: TokenProvider;
    };

/** The settings of init and createPresenceClient (everything but the credentials). */
export interface PresenceSettings {
  /**
   * The server's base URL (its context root, e.g. "https://presence.example.com/"), or the
   * WebSocket endpoint itself ("wss://presence.example.com/ws/v1"). In a browser it defaults to
   * the directory of the page.
   */
  url?: string;
  /** The WebSocket constructor; defaults to globalThis.WebSocket (pass one in Node.js < 22). */
  WebSocket?: WebSocketConstructor;
  /**
   * Milliseconds between heartbeats; default 20000. Keep it at most half the server's presence
   * timeout (60 s by default). A heartbeat unanswered by the next one drops the connection.
   */
  heartbeatInterval?: number;
  /** Milliseconds a call waits for its reply (connecting included) before rejecting with TIMEOUT; default 15000. */
  requestTimeout?: number;
  /** First reconnect delay step in milliseconds; default 500 (each delay is drawn between half and all of its step). */
  reconnectMinDelay?: number;
  /** Largest reconnect delay step in milliseconds; default 30000. */
  reconnectMaxDelay?: number;
  /** Largest request frame in bytes (the server's presence.ws.max-frame-bytes); default 65536. */
  maxFrameBytes?: number;
  /** Called when the connection's state changes. */
  onStatus?: (status: ConnectionStatus, detail?: string) => void;
  /** Called for errors no call can reject with (a re-join refused after a reconnect, a listener that threw). */
  onError?: (error: unknown) => void;
  /**
   * Addition: called when an administrator removed this user from a channel (the server's
   * `{"type":"kicked","channel"}`, SPEC 13.4); the client no longer counts the channel as joined
   * and does not join it again after a reconnect. A connection an administrator closed (code
   * 4003) is not reconnected: `onError` gets a `CLOSED` error and the status becomes `closed`.
   */
  onKicked?: (channel: string) => void;
}

/**
 * The error every call rejects with: the server's code and message (SPEC 4.4: INVALID_ARGUMENT,
 * UNAUTHENTICATED, FORBIDDEN, NOT_PRESENT, NOT_JOINED, CHANNEL_FULL, TOO_LARGE, RATE_LIMITED,
 * UNAVAILABLE, INTERNAL) or the client's own (TIMEOUT, CLOSED, CANCELLED, NOT_INITIALIZED,
 * CONNECTION_LOST, TOO_LARGE for a request never sent).
 */
export declare class PresenceError extends Error {
  constructor(code: string, message: string, extra?: { retryAfter?: number });
  readonly name: "PresenceError";
  readonly code: string;
  /** Seconds to wait, for RATE_LIMITED. */
  readonly retryAfter?: number;
}

/** One client: one WebSocket with its joins, attributes and listeners. */
export declare class PresenceClient {
  constructor(options: PresenceOptions);
  /** The user, read from the token's `sub` (null if it cannot be read). */
  readonly userId: string | null;
  readonly status: ConnectionStatus;
  joinPresenceChannel(args: { channel: string }): Promise<void>;
  leavePresenceChannel(args: { channel: string }): Promise<void>;
  getPresenceChannelUsers(args: { channel: string }): Promise<ChannelUsersResult>;
  /** Without userProfileId: the client's own user. */
  getPresenceUserChannels(args?: { userProfileId?: string }): Promise<{ channels: string[] }>;
  /** Replaces the user's attributes in the channel (they must have joined it); resolves to them. */
  setPresenceUserAttributes(args: { channel: string; attributes: Attributes }): Promise<Attributes>;
  /** Without userProfileId: the client's own user. Rejects with NOT_PRESENT for a user not present. */
  getPresenceUserAttributes(args: { channel: string; userProfileId?: string }): Promise<Attributes>;
  /** Resolves, once the channel is observed, to its members at that moment. */
  addPresenceListener(args: { channel: string; mode?: "events" }, listener: PresenceListener): Promise<ChannelSnapshot>;
  /** Addition (SPEC 13.3): observes the occupancy only; resolves to it (no member list). */
  addPresenceListener(args: { channel: string; mode: "occupancy" }, listener: OccupancyListener): Promise<OccupancySnapshot>;
  /** Without a listener: all of the channel's listeners (of both modes). */
  removePresenceListener(
    args: { channel: string },
    listener?: PresenceListener | OccupancyListener,
  ): Promise<void>;
  /** Closes the socket cleanly and stops reconnecting. */
  close(): Promise<void>;
}

/** Creates the default client used by the functions below (closing a previous one) and connects it. */
export declare function init(options: PresenceOptions): PresenceClient;
/** Addition: an independent client with its own WebSocket. */
export declare function createPresenceClient(options: PresenceOptions): PresenceClient;
/** Addition: closes the default client. */
export declare function disconnect(): Promise<void>;

export declare function joinPresenceChannel(args: { channel: string }): Promise<void>;
export declare function leavePresenceChannel(args: { channel: string }): Promise<void>;
export declare function getPresenceChannelUsers(args: { channel: string }): Promise<ChannelUsersResult>;
export declare function getPresenceUserChannels(args?: { userProfileId?: string }): Promise<{ channels: string[] }>;
export declare function setPresenceUserAttributes(args: {
  channel: string;
  attributes: Attributes;
}): Promise<Attributes>;
export declare function getPresenceUserAttributes(args: {
  channel: string;
  userProfileId?: string;
}): Promise<Attributes>;
export declare function addPresenceListener(
  args: { channel: string; mode?: "events" },
  listener: PresenceListener,
): Promise<ChannelSnapshot>;
/** Addition (SPEC 13.3): observes the occupancy only; resolves to it (no member list). */
export declare function addPresenceListener(
  args: { channel: string; mode: "occupancy" },
  listener: OccupancyListener,
): Promise<OccupancySnapshot>;
export declare function removePresenceListener(
  args: { channel: string },
  listener?: PresenceListener | OccupancyListener,
): Promise<void>;
