-- Presence on Redis: every change of a channel, and every read that must be consistent, is one call
-- of this script, so Redis runs it atomically: no other command interleaves with it.
--
-- The rules are those of dev.presence.spi.support.MembershipMachine, mirrored here (the contract
-- kit and MachineAgreementTest prove the two agree).
--
-- ARGV[1] is the operation, ARGV[2] the key prefix; the rest depends on the operation. Keys are
-- computed from the prefix (KEYS is empty): standalone Redis (with replicas / Sentinel), not Redis
-- Cluster.
--
-- Times are nanoseconds since the epoch as 19-digit zero-padded decimal strings, so that string
-- order is time order and no precision is lost (Lua numbers are doubles); NONE means never.
-- Sorted-set scores are milliseconds (exact as doubles); the exact time is re-checked.
--
-- Keys (P = prefix, c = channel, u = user, n = node):
--   P s:c   string  the channel's seq; kept with a TTL (the retention) while the channel is empty
--   P m:c   hash    user -> cmsgpack {attrs (flat k,v,...), sessions {{id, node|false, expiry}},
--                   pending reason (0 none, 1 clean, 2 lost), pending deadline, indexed deadline}
--   P l:c   zset    the users, all scored 0 (lexicographic order for paging); ZCARD = occupancy
--   P d:c   zset    user -> ms of its deadline (pending end or earliest lease end)
--   P due   zset    channel -> ms of the channel's earliest deadline
--   P u:u   zset    the channels of a user, all scored 0
--   P n:n   hash    channel NUL user -> number of that user's sessions the node holds there
--   P nodes zset    node -> ms until which its heartbeat keeps it alive
--   P lost  zset    node -> ms when it was found dead (kept an hour)
--   P chans zset    the channels with a user present, all scored 0 (the admin listing, by name)
--   P users set     the users present in at least one channel (the admin totals)

local NONE = '9223372036854775807'
local JOIN, LEAVE, TIMEOUT, ATTRIBUTES, KICKED = 1, 2, 3, 4, 5
local CLEAN, LOST = 1, 2

local op = ARGV[1]
local P = ARGV[2]

local function ms(t)
  return tonumber(string.sub(t, 1, 13))
end

-- a + b on 19-digit strings, saturating at NONE
local function add(a, b)
  if a == NONE or b == NONE then
    return NONE
  end
  local hi = tonumber(string.sub(a, 1, 10)) + tonumber(string.sub(b, 1, 10))
  local lo = tonumber(string.sub(a, 11, 19)) + tonumber(string.sub(b, 11, 19))
  if lo >= 1000000000 then
    lo = lo - 1000000000
    hi = hi + 1
  end
  if hi > 9223372036 or (hi == 9223372036 and lo > 854775807) then
    return NONE
  end
  return string.format('%010d%09d', hi, lo)
end

-- a < b by bytes, as Java orders ids (Lua's < follows the server's locale)
local function bytesBefore(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then
      return x < y
    end
  end
  return #a < #b
end

-- ---- one channel ----

local Channel = {}
Channel.__index = Channel

local function channel(c)
  local self = setmetatable({}, Channel)
  self.c = c
  self.events = {}
  self.changed = false
  return self
end

function Channel:load(user)
  local raw = redis.call('HGET', P .. 'm:' .. self.c, user)
  if not raw then
    return nil
  end
  local r = cmsgpack.unpack(raw)
  return {attrs = r[1], sessions = r[2], pr = r[3], pd = r[4], ix = r[5]}
end

function Channel:due(m)
  if m.pr ~= 0 then
    return m.pd
  end
  local due = NONE
  for _, s in ipairs(m.sessions) do
    if s[3] < due then
      due = s[3]
    end
  end
  return due
end

function Channel:save(user, m)
  local due = self:due(m)
  if due ~= m.ix then
    if due == NONE then
      redis.call('ZREM', P .. 'd:' .. self.c, user)
    else
      redis.call('ZADD', P .. 'd:' .. self.c, ms(due), user)
    end
    m.ix = due
  end
  redis.call('HSET', P .. 'm:' .. self.c, user, cmsgpack.pack({m.attrs, m.sessions, m.pr, m.pd, m.ix}))
  self.changed = true
end

function Channel:emit(kind, user, attrs)
  local seq = redis.call('INCR', P .. 's:' .. self.c)
  local occupancy = redis.call('ZCARD', P .. 'l:' .. self.c)
  table.insert(self.events, {self.c, kind, user, occupancy, seq, attrs})
end

function Channel:addSession(user, m, s)
  table.insert(m.sessions, s)
  if s[2] then
    redis.call('HINCRBY', P .. 'n:' .. s[2], self.c .. '\0' .. user, 1)
  end
end

function Channel:removeSession(user, m, i)
  local s = table.remove(m.sessions, i)
  if s[2] then
    local key = P .. 'n:' .. s[2]
    local field = self.c .. '\0' .. user
    if redis.call('HINCRBY', key, field, -1) <= 0 then
      redis.call('HDEL', key, field)
    end
  end
end

function Channel:endMember(user, m, kind)
  if m.ix ~= NONE then
    redis.call('ZREM', P .. 'd:' .. self.c, user)
  end
  for i = #m.sessions, 1, -1 do
    self:removeSession(user, m, i)
  end
  redis.call('HDEL', P .. 'm:' .. self.c, user)
  redis.call('ZREM', P .. 'l:' .. self.c, user)
  redis.call('ZREM', P .. 'u:' .. user, self.c)
  if redis.call('ZCARD', P .. 'u:' .. user) == 0 then
    redis.call('SREM', P .. 'users', user)
  end
  if redis.call('ZCARD', P .. 'l:' .. self.c) == 0 then
    redis.call('ZREM', P .. 'chans', self.c)
  end
  self.changed = true
  self:emit(kind, user, m.attrs)
end

function Channel:holdOrSave(user, m, reason, graceUntil, now)
  if #m.sessions > 0 then
    self:save(user, m)
    return
  end
  if graceUntil <= now then
    self:endMember(user, m, reason == CLEAN and LEAVE or TIMEOUT)
    return
  end
  if m.pr == 0 or graceUntil >= m.pd then
    m.pr = reason
    m.pd = graceUntil
  end
  self:save(user, m)
end

local function indexOf(m, id)
  for i, s in ipairs(m.sessions) do
    if s[1] == id then
      return i
    end
  end
  return nil
end

-- After a change: the channel's earliest deadline in the global index, and the retention of its
-- seq while it is empty.
function Channel:commit(retentionMs)
  if not self.changed then
    return
  end
  local first = redis.call('ZRANGE', P .. 'd:' .. self.c, 0, 0, 'WITHSCORES')
  if #first == 0 then
    redis.call('ZREM', P .. 'due', self.c)
  else
    redis.call('ZADD', P .. 'due', first[2], self.c)
  end
  local seqKey = P .. 's:' .. self.c
  if redis.call('ZCARD', P .. 'l:' .. self.c) == 0 then
    if retentionMs > 0 then
      redis.call('PEXPIRE', seqKey, retentionMs)
    end
  else
    redis.call('PERSIST', seqKey)
  end
end

-- ---- the rules ----

function Channel:join(user, id, node, expiry, max)
  local m = self:load(user)
  if not m then
    if redis.call('ZCARD', P .. 'l:' .. self.c) >= max then
      return 'FULL'
    end
    m = {attrs = {}, sessions = {}, pr = 0, pd = NONE, ix = NONE}
    self:addSession(user, m, {id, node, expiry})
    redis.call('ZADD', P .. 'l:' .. self.c, 0, user)
    redis.call('ZADD', P .. 'u:' .. user, 0, self.c)
    redis.call('SADD', P .. 'users', user)
    redis.call('ZADD', P .. 'chans', 0, self.c)
    self:save(user, m)
    self:emit(JOIN, user, m.attrs)
    return 'OK'
  end
  local i = indexOf(m, id)
  if i then
    local old = m.sessions[i]
    if old[2] == node and old[3] == expiry and m.pr == 0 then
      return 'OK'
    end
    self:removeSession(user, m, i)
  end
  self:addSession(user, m, {id, node, expiry})
  m.pr = 0
  m.pd = NONE
  self:save(user, m)
  return 'OK'
end

function Channel:leave(user, id)
  local m = self:load(user)
  local i = m and indexOf(m, id)
  if not i then
    return
  end
  self:removeSession(user, m, i)
  if #m.sessions == 0 then
    self:endMember(user, m, LEAVE)
  else
    self:save(user, m)
  end
end

function Channel:release(user, id, reason, graceUntil, now)
  local m = self:load(user)
  local i = m and indexOf(m, id)
  if not i then
    return
  end
  self:removeSession(user, m, i)
  self:holdOrSave(user, m, reason, graceUntil, now)
end

function Channel:releaseUserOfNode(user, node, graceUntil, now)
  local m = self:load(user)
  if not m then
    return
  end
  for i = #m.sessions, 1, -1 do
    if m.sessions[i][2] == node then
      self:removeSession(user, m, i)
    end
  end
  self:holdOrSave(user, m, LOST, graceUntil, now)
end

function Channel:expire(now, grace)
  -- in the machine's order: by exact deadline, then user (the scores are only milliseconds)
  local due = {}
  for _, user in ipairs(redis.call('ZRANGEBYSCORE', P .. 'd:' .. self.c, '-inf', ms(now))) do
    local m = self:load(user)
    if not m then
      redis.call('ZREM', P .. 'd:' .. self.c, user)
      self.changed = true
    elseif m.ix <= now then
      table.insert(due, {m.ix, user, m})
    end
  end
  table.sort(due, function(a, b)
    return a[1] < b[1] or (a[1] == b[1] and bytesBefore(a[2], b[2]))
  end)
  for _, d in ipairs(due) do
    local user, m = d[2], d[3]
    do
      if m.pr ~= 0 then
        self:endMember(user, m, m.pr == CLEAN and LEAVE or TIMEOUT)
      else
        local last = nil
        for i = #m.sessions, 1, -1 do
          local s = m.sessions[i]
          if s[3] <= now then
            if not last or s[3] > last then
              last = s[3]
            end
            self:removeSession(user, m, i)
          end
        end
        self:holdOrSave(user, m, LOST, add(last, grace), now)
      end
    end
  end
end

function Channel:kick(user)
  local m = self:load(user)
  if m then
    self:endMember(user, m, KICKED)
  end
end

function Channel:setAttributes(user, attrs)
  local m = self:load(user)
  if not m then
    return 'NOT_JOINED'
  end
  local same = #attrs == #m.attrs
  if same then
    for i = 1, #attrs do
      if attrs[i] ~= m.attrs[i] then
        same = false
        break
      end
    end
  end
  if same then
    return 'OK'
  end
  m.attrs = attrs
  self:save(user, m)
  self:emit(ATTRIBUTES, user, m.attrs)
  return 'OK'
end

-- ---- the operations ----

-- Mutations answer {status, event, event, ...}; an event is {channel, kind, user, occupancy, seq,
-- {attribute key, value, ...}}.
local function answer(status, events)
  local out = {status}
  for _, e in ipairs(events) do
    table.insert(out, e)
  end
  return out
end

local function flatAttrs(from)
  local attrs = {}
  for i = from, #ARGV do
    table.insert(attrs, ARGV[i])
  end
  return attrs
end

if op == 'join' then
  -- channel, retention ms, now, user, session, node ('' for none), expiry, max users
  local ch = channel(ARGV[3])
  local node = ARGV[8]
  if node == '' then
    node = false
  end
  local status = ch:join(ARGV[6], ARGV[7], node, ARGV[9], tonumber(ARGV[10]))
  ch:commit(tonumber(ARGV[4]))
  return answer(status, ch.events)
elseif op == 'leave' then
  -- channel, retention ms, now, user, session
  local ch = channel(ARGV[3])
  ch:leave(ARGV[6], ARGV[7])
  ch:commit(tonumber(ARGV[4]))
  return answer('OK', ch.events)
elseif op == 'release' then
  -- channel, retention ms, now, user, session, reason, grace until
  local ch = channel(ARGV[3])
  ch:release(ARGV[6], ARGV[7], tonumber(ARGV[8]), ARGV[9], ARGV[5])
  ch:commit(tonumber(ARGV[4]))
  return answer('OK', ch.events)
elseif op == 'kick' then
  -- channel, retention ms, now, user
  local ch = channel(ARGV[3])
  ch:kick(ARGV[6])
  ch:commit(tonumber(ARGV[4]))
  return answer('OK', ch.events)
elseif op == 'attributes' then
  -- channel, retention ms, now, user, key, value, ...
  local ch = channel(ARGV[3])
  local status = ch:setAttributes(ARGV[6], flatAttrs(7))
  ch:commit(tonumber(ARGV[4]))
  return answer(status, ch.events)
elseif op == 'releaseNode' then
  -- node, retention ms, now, grace until, batch: releases up to batch sessions of the node;
  -- answers 'MORE' while the node has sessions left
  local node, retention, now, graceUntil = ARGV[3], tonumber(ARGV[4]), ARGV[5], ARGV[6]
  local key = P .. 'n:' .. node
  local fields = redis.call('HKEYS', key)
  -- by channel, then user: the machine's order within a channel
  table.sort(fields, bytesBefore)
  local channels, order, events = {}, {}, {}
  local batch = tonumber(ARGV[7])
  for n, field in ipairs(fields) do
    if n > batch then
      break
    end
    local sep = string.find(field, '\0', 1, true)
    local c, user = string.sub(field, 1, sep - 1), string.sub(field, sep + 1)
    local ch = channels[c]
    if not ch then
      ch = channel(c)
      channels[c] = ch
      table.insert(order, ch)
    end
    ch:releaseUserOfNode(user, node, graceUntil, now)
    if redis.call('HEXISTS', key, field) == 1 then
      -- a stale entry (no such membership): drop it so that the loop ends
      redis.call('HDEL', key, field)
    end
  end
  for _, ch in ipairs(order) do
    ch:commit(retention)
    for _, e in ipairs(ch.events) do
      table.insert(events, e)
    end
  end
  return answer(#fields > batch and 'MORE' or 'OK', events)
elseif op == 'expire' then
  -- (none), retention ms, now, grace, batch: the channels with something due, up to batch of them;
  -- answers 'MORE' if there may be more
  local retention, now, grace, batch = tonumber(ARGV[4]), ARGV[5], ARGV[6], tonumber(ARGV[7])
  local due = redis.call('ZRANGEBYSCORE', P .. 'due', '-inf', ms(now), 'LIMIT', 0, batch)
  local events = {}
  local changed = false
  for _, c in ipairs(due) do
    local ch = channel(c)
    ch:expire(now, grace)
    ch:commit(retention)
    changed = changed or ch.changed
    for _, e in ipairs(ch.events) do
      table.insert(events, e)
    end
  end
  -- A full batch in which nothing changed (deadlines later in the same millisecond as now) would
  -- come back unchanged: the next sweep gets it.
  return answer((#due >= batch and changed) and 'MORE' or 'OK', events)
elseif op == 'read' then
  -- channel, user: {1, {attrs}} or {0}
  local raw = redis.call('HGET', P .. 'm:' .. ARGV[3], ARGV[4])
  if not raw then
    return {0}
  end
  return {1, cmsgpack.unpack(raw)[1]}
elseif op == 'page' then
  -- channel, after ('' for the first page), limit, with attributes (1/0):
  -- {occupancy, seq, more (1/0), {users}, {{attrs}, ...}}
  local c = ARGV[3]
  local from = ARGV[4] == '' and '-' or ('(' .. ARGV[4])
  local limit = tonumber(ARGV[5])
  local users = redis.call('ZRANGEBYLEX', P .. 'l:' .. c, from, '+', 'LIMIT', 0, limit + 1)
  local more = 0
  if #users > limit then
    more = 1
    table.remove(users)
  end
  local attrs = {}
  if ARGV[6] == '1' then
    for _, user in ipairs(users) do
      table.insert(attrs, cmsgpack.unpack(redis.call('HGET', P .. 'm:' .. c, user))[1])
    end
  end
  local seq = tonumber(redis.call('GET', P .. 's:' .. c) or '0')
  return {redis.call('ZCARD', P .. 'l:' .. c), seq, more, users, attrs}
elseif op == 'occupancy' then
  -- channel: {occupancy, seq}
  local c = ARGV[3]
  return {redis.call('ZCARD', P .. 'l:' .. c), tonumber(redis.call('GET', P .. 's:' .. c) or '0')}
elseif op == 'channels' then
  -- prefix, after ('' for the first page), limit: {{channel, ...}, {occupancy, ...}} of up to
  -- limit + 1 occupied channels by name (channel ids are ASCII, so prefix .. '\255' bounds them)
  local prefix, after, limit = ARGV[3], ARGV[4], tonumber(ARGV[5])
  local from = after ~= '' and ('(' .. after) or (prefix == '' and '-' or ('[' .. prefix))
  local to = prefix == '' and '+' or ('[' .. prefix .. '\255')
  local names = redis.call('ZRANGEBYLEX', P .. 'chans', from, to, 'LIMIT', 0, limit + 1)
  local counts = {}
  for _, c in ipairs(names) do
    table.insert(counts, redis.call('ZCARD', P .. 'l:' .. c))
  end
  return {names, counts}
elseif op == 'totals' then
  -- {users present, occupied channels}
  return {redis.call('SCARD', P .. 'users'), redis.call('ZCARD', P .. 'chans')}
elseif op == 'tick' then
  -- node, ttl ms, registered before (1/0): the node's heartbeat, and the reaping of dead nodes.
  -- {status, {live nodes}, {lost nodes}}; status is 'LOST' if this node was found dead (it must
  -- take a new id), 'GONE' if it was registered before but its entry is missing (the state was
  -- lost: Redis restarted empty or a replica without it took over), else 'OK'.
  local node, ttl = ARGV[3], tonumber(ARGV[4])
  local time = redis.call('TIME')
  local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
  local nodes, lost = P .. 'nodes', P .. 'lost'
  local dead = redis.call('ZRANGEBYSCORE', nodes, '-inf', '(' .. now)
  for _, n in ipairs(dead) do
    redis.call('ZREM', nodes, n)
    redis.call('ZADD', lost, now, n)
  end
  redis.call('ZREMRANGEBYSCORE', lost, '-inf', now - 3600000)
  local status = 'OK'
  if redis.call('ZSCORE', lost, node) then
    status = 'LOST'
  else
    if ARGV[5] == '1' and not redis.call('ZSCORE', nodes, node) then
      status = 'GONE'
    end
    redis.call('ZADD', nodes, now + ttl, node)
  end
  return {status, redis.call('ZRANGE', nodes, 0, -1), redis.call('ZRANGE', lost, 0, -1)}
elseif op == 'leaveCluster' then
  -- node: a node that closes; it is listed as lost at once, so that the others release whatever
  -- sessions it still holds (releasing is idempotent)
  local time = redis.call('TIME')
  redis.call('ZREM', P .. 'nodes', ARGV[3])
  redis.call('ZADD', P .. 'lost', tonumber(time[1]) * 1000, ARGV[3])
  return {'OK'}
end
return redis.error_reply('unknown operation ' .. tostring(op))
