using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

// Sums the runtime's allocation ticks (one event per ~100 KB allocated, with the type and the stack) of an
// EventPipe trace taken with: dotnet-trace collect --providers "Microsoft-Windows-DotNETRuntime:0x1:5" -- <command>
// Usage: dotnet run --project bench/AllocationTicks -- <file.nettrace> [rows]
if (args.Length == 0) { Console.Error.WriteLine("usage: AllocationTicks <file.nettrace> [rows]"); return 2; }
var rows = args.Length > 1 ? int.Parse(args[1]) : 20;
using var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(args[0]));
var byType = new Dictionary<string, long>();
var byStack = new Dictionary<string, long>();
foreach (var e in log.Events)
{
    if (e is not GCAllocationTickTraceData tick) continue;
    byType[tick.TypeName] = byType.GetValueOrDefault(tick.TypeName) + tick.AllocationAmount64;
    var frames = new List<string>();
    for (var frame = e.CallStack(); frame is not null && frames.Count < 8; frame = frame.Caller)
        if (frame.CodeAddress.FullMethodName is { Length: > 0 } name) frames.Add(name);
    var key = $"{tick.TypeName}\n      <= {string.Join("\n      <= ", frames)}";
    byStack[key] = byStack.GetValueOrDefault(key) + tick.AllocationAmount64;
}
Console.WriteLine("KiB allocated, by type:");
foreach (var (type, bytes) in byType.OrderByDescending(x => x.Value).Take(rows)) Console.WriteLine($"{bytes >> 10,9}  {type}");
Console.WriteLine("\nKiB allocated, by type and stack:");
foreach (var (stack, bytes) in byStack.OrderByDescending(x => x.Value).Take(rows)) Console.WriteLine($"{bytes >> 10,9}  {stack}\n");
return 0;
