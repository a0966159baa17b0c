-- Argo CD health check for flink.apache.org/FlinkDeployment, from the
-- kstatus conditions the flink-operator writes (docs/health.md).
-- Argo CD's built-in check reads reconciliationStatus.state only, so it
-- calls a refused edit or a held upgrade Healthy; this one reports it
-- Degraded with the operator's message.
local hs = { status = "Progressing", message = "Waiting for the Flink operator" }

if obj.metadata ~= nil and obj.metadata.deletionTimestamp ~= nil then
  hs.message = "Pending deletion"
  return hs
end
if obj.status == nil or obj.status.conditions == nil then
  return hs
end

local generation = obj.metadata.generation
local conditions = {}
for _, c in ipairs(obj.status.conditions) do
  conditions[c.type] = c
end

-- A condition speaks for the spec only when it describes its generation.
local function current(c)
  return c ~= nil and (generation == nil or c.observedGeneration == nil or c.observedGeneration == generation)
end

local stalled = conditions["Stalled"]
if current(stalled) and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.reason .. ": " .. (stalled.message or "")
  return hs
end

local ready = conditions["Ready"]
if current(ready) and ready.status == "True" then
  if ready.reason == "Suspended" then
    hs.status = "Suspended"
  else
    hs.status = "Healthy"
  end
  hs.message = ready.message
  return hs
end

local reconciling = conditions["Reconciling"]
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = reconciling.reason .. ": " .. (reconciling.message or "")
elseif ready ~= nil and ready.message ~= nil then
  hs.message = ready.message
end
return hs
