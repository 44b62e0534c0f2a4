# One fresh-process upload, timed by phase: import, connect, first upload. Run with
# dotnet pwsh -NoProfile -NonInteractive -File bench/StartupPhases.ps1 -Backend S3|Azure|Local
# after `build.ps1 Servers` (reads .playground/env.ps1). Prints "import connect upload" in ms.
param([ValidateSet('S3', 'Azure', 'Local')][string]$Backend = 'S3', [switch]$SkipCheck, [string]$Module)
$ErrorActionPreference = 'Stop'
$root = Split-Path $PSScriptRoot
. (Join-Path $root '.playground/env.ps1')
$file = Join-Path ([IO.Path]::GetTempPath()) 'mf-startup-probe.txt'
if (-not (Test-Path $file)) { Set-Content -Path $file -Value ('x' * 1000) }
# The credential is the caller's, made before the clock starts (its cmdlet loads another PowerShell module).
$secret = [securestring]::new(); foreach ($c in ([string]$env:PLAYGROUND_S3_SECRET_KEY).ToCharArray()) { $secret.AppendChar($c) }
$cred = [pscredential]::new([string]$env:PLAYGROUND_S3_ACCESS_KEY, $secret)
$dir = Join-Path ([IO.Path]::GetTempPath()) 'mf-startup-local'
New-Item -ItemType Directory -Force $dir | Out-Null
$sw = [Diagnostics.Stopwatch]::StartNew()
Import-Module ($Module ? $Module : (Join-Path $root 'out/MedallionFoundry/MedallionFoundry.psd1'))
$import = $sw.Elapsed.TotalMilliseconds
$sw.Restart()
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
$connect = $sw.Elapsed.TotalMilliseconds
$sw.Restart()
Send-BronzeFile -Path $file -Destination "startup/probe.txt" | Out-Null
$upload = $sw.Elapsed.TotalMilliseconds
if ($env:MF_TRACE) { [Console]::Error.WriteLine("[trace] end jit=$([Runtime.JitInfo]::GetCompiledMethodCount()) jitms=$([Runtime.JitInfo]::GetCompilationTime().TotalMilliseconds)") }
'{0:F0} {1:F0} {2:F0}' -f $import, $connect, $upload
