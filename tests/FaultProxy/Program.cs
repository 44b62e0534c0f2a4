// Runs the fault proxy as a process (for the Pester tests):
//   dotnet FaultProxy.dll --target http://127.0.0.1:PORT [--failure-rate 0.3] [--reset-rate 0.05]
//                         [--delay-ms 0] [--bytes-per-second 0] [--deny] [--never-answer] [--bit-flip-rate 0] [--lost-response-rate 0] [--seed 42]
// Prints "listening <url>" once ready, then "stats requests=N failed=N reset=N ... bytes=N" when stdin closes or a line is read.
using System.Globalization;
using MedallionFoundry.Tests.Faults;

string Arg(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
double Number(string name) => double.Parse(Arg(name, "0"), CultureInfo.InvariantCulture);

var proxy = await FaultProxy.StartAsync(Arg("--target", ""), (int)Number("--seed") is var s && s != 0 ? s : 42);
proxy.FailureRate = Number("--failure-rate");
proxy.ResetRate = Number("--reset-rate");
proxy.Delay = TimeSpan.FromMilliseconds(Number("--delay-ms"));
proxy.BytesPerSecond = (long)Number("--bytes-per-second");
proxy.DenyAll = args.Contains("--deny");
proxy.NeverAnswer = args.Contains("--never-answer");
proxy.BitFlipRate = Number("--bit-flip-rate");
proxy.LostResponseRate = Number("--lost-response-rate");
Console.WriteLine($"listening {proxy.Address.ToString().TrimEnd('/')}");

// Each line on stdin asks for the counters; end of input stops the proxy.
while (Console.ReadLine() is not null)
    Console.WriteLine($"stats requests={proxy.Requests} failed={proxy.Failed} reset={proxy.Reset} flipped={proxy.Flipped} lost={proxy.Lost} bytes={proxy.BodyBytes}");
await proxy.DisposeAsync();
