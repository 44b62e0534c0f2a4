<#
.SYNOPSIS
One benchmark step of our module in a fresh process: import, connect, run the cmdlet, exit.
Invoke-Benchmark.ps1 starts it as `dotnet <pwsh.dll> -NoProfile -NonInteractive -File Invoke-Ours.ps1 ...`
and times the whole process, like the rclone and aws-cli processes it is compared with.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Backend,
    [Parameter(Mandatory)] [string] $Operation,
    [string] $LocalRoot,
    [string] $Source,
    [string] $Remote,
    [string] $Destination
)
$ErrorActionPreference = 'Stop'
# Where the time goes inside the script (the pwsh start before it is the rest of the wall time);
# printed as one "timing:" line into the step's log, which Invoke-Benchmark.ps1 reads.
$clock = [Diagnostics.Stopwatch]::StartNew()
Import-Module $ModulePath
# .NET calls, not Join-Path: a first Join-Path autoloads PowerShell's Management module (~150 ms of CPU),
# a cost of this harness, not of the module (a bare pwsh start pays it neither).
. ([IO.Path]::Combine($PSScriptRoot, 'BenchOperations.ps1'))
$imported = $clock.Elapsed.TotalMilliseconds
Connect-BenchBackend -Backend $Backend -LocalRoot $LocalRoot
$connected = $clock.Elapsed.TotalMilliseconds
$result = Invoke-BenchOperation -Operation $Operation -Source $Source -Remote $Remote -Destination $Destination
$done = $clock.Elapsed.TotalMilliseconds
if ($null -ne $result) { "count=$result" }
'timing: import={0:0} connect={1:0} operation={2:0}' -f $imported, ($connected - $imported), ($done - $connected)
# Per-file failures are non-terminating errors: any of them fails the step.
if ($Error.Count -gt 0) { $Error | ForEach-Object { "error: $_" }; exit 1 }
