# One fresh-process upload, timed by phase: import, connect, first upload. Run with
# dotnet pwsh -NoProfile -NonInteractive -File bench/StartupPhases.ps1 -Backend S3|Azure|Local|None
# after `build.ps1 Servers` (reads .playground/env.ps1). Prints one line, in ms unless named:
# "import connect upload jit-import jit-connect jit-upload cpu-import cpu-connect cpu-upload"
# (jit-*: methods the JIT compiled in the phase, a count that machine load does not change; cpu-*: the
# process's CPU time in the phase, all threads). -Backend None does the script's own preparation and
# exits: the baseline that leaves only the module's cost (import + connect + upload + its exit).
param([ValidateSet('S3', 'Azure', 'Local', 'None')][string]$Backend = 'S3', [switch]$SkipCheck, [string]$Module)
$ErrorActionPreference = 'Stop'
# The preparation uses .NET calls only, no cmdlet: a first Join-Path, Test-Path or New-Item loads the
# Microsoft.PowerShell.Management module (~150 ms CPU here), a first ConvertTo-SecureString the Security
# module; whatever of that the module's own phases need then shows in their figures, not here.
$root = [IO.Path]::GetDirectoryName($PSScriptRoot)
. "$root/.playground/env.ps1"
# A state folder of our own: interrupted transfers that other runs on a shared machine leave in the
# user's folder would otherwise be read (and JSON-parsed) before the first upload, as they would be
# for a user who has some; the usual case measured here is a user with none.
$temp = [IO.Path]::GetTempPath()
$env:MEDALLIONFOUNDRY_TRANSFER_STATE_PATH = [IO.Path]::Combine($temp, "mf-startup-states-$PID")
$file = [IO.Path]::Combine($temp, 'mf-startup-probe.txt')
if (-not [IO.File]::Exists($file)) { [IO.File]::WriteAllText($file, 'x' * 1000) }
# The credential is the caller's, made before the clock starts.
$secret = [securestring]::new(); foreach ($c in ([string]$env:PLAYGROUND_S3_SECRET_KEY).ToCharArray()) { $secret.AppendChar($c) }
$cred = [pscredential]::new([string]$env:PLAYGROUND_S3_ACCESS_KEY, $secret)
$dir = [IO.Directory]::CreateDirectory([IO.Path]::Combine($temp, 'mf-startup-local')).FullName
if ($Backend -eq 'None') { '0 0 0 0 0 0 0 0 0'; exit 0 }
$process = [Diagnostics.Process]::GetCurrentProcess()
$marks = [Collections.Generic.List[double[]]]::new()
function Mark {
    $process.Refresh()
    $marks.Add(@([Diagnostics.Stopwatch]::GetTimestamp(), [Runtime.JitInfo]::GetCompiledMethodCount(), $process.TotalProcessorTime.TotalMilliseconds))
}
Mark
Import-Module ($Module ? $Module : "$root/out/MedallionFoundry/MedallionFoundry.psd1")
Mark
switch ($Backend) {
    'S3' {
        Connect-BronzeStorage -Backend S3 -Bucket bronze -EndpointUrl $env:PLAYGROUND_S3_ENDPOINT -Credential $cred -SkipCheck:$SkipCheck
    }
    'Azure' {
        Connect-BronzeStorage -Backend Azure -Container bronze -ConnectionString $env:PLAYGROUND_AZURE_CONNECTION_STRING -SkipCheck:$SkipCheck
    }
    'Local' {
        Connect-BronzeStorage -Backend Local -Path $dir -SkipCheck:$SkipCheck
    }
}
Mark
Send-BronzeFile -Path $file -Destination "startup/probe.txt" | Out-Null
Mark
if ([IO.Directory]::Exists($env:MEDALLIONFOUNDRY_TRANSFER_STATE_PATH)) { [IO.Directory]::Delete($env:MEDALLIONFOUNDRY_TRANSFER_STATE_PATH, $true) }
if ($env:MF_TRACE) { [Console]::Error.WriteLine("[trace] end jit=$([Runtime.JitInfo]::GetCompiledMethodCount()) jitms=$([Runtime.JitInfo]::GetCompilationTime().TotalMilliseconds)") }
$ms = 1000.0 / [Diagnostics.Stopwatch]::Frequency
$phase = { param($i, $n) if ($n -eq 0) { ($marks[$i + 1][0] - $marks[$i][0]) * $ms } else { $marks[$i + 1][$n] - $marks[$i][$n] } }
'{0:F0} {1:F0} {2:F0} {3:F0} {4:F0} {5:F0} {6:F0} {7:F0} {8:F0}' -f (& $phase 0 0), (& $phase 1 0), (& $phase 2 0),
    (& $phase 0 1), (& $phase 1 1), (& $phase 2 1), (& $phase 0 2), (& $phase 1 2), (& $phase 2 2)
