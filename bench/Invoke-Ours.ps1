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
Import-Module $ModulePath
. (Join-Path $PSScriptRoot 'BenchOperations.ps1')
Connect-BenchBackend -Backend $Backend -LocalRoot $LocalRoot
$result = Invoke-BenchOperation -Operation $Operation -Source $Source -Remote $Remote -Destination $Destination
if ($null -ne $result) { "count=$result" }
# Per-file failures are non-terminating errors: any of them fails the step.
if ($Error.Count -gt 0) { $Error | ForEach-Object { "error: $_" }; exit 1 }
