# Shared by the Pester test files: import the built module and make scratch folders.
$ErrorActionPreference = 'Stop'
$modulePath = $env:MF_MODULE_PATH
if (-not $modulePath) { $modulePath = Join-Path $PSScriptRoot '../../out/MedallionFoundry' }
Import-Module (Join-Path $modulePath 'MedallionFoundry.psd1') -Force
# Resumable transfer states of the tests (and their child processes) stay out of the user's own folder.
if (-not $env:MEDALLIONFOUNDRY_TRANSFER_STATE_PATH) { $env:MEDALLIONFOUNDRY_TRANSFER_STATE_PATH = Join-Path ([IO.Path]::GetTempPath()) "mf-pester-states-$PID" }

function New-TestFolder([string] $Purpose = 'pester') {
    $path = Join-Path ([IO.Path]::GetTempPath()) "mf-pester-$Purpose-$([guid]::NewGuid().ToString('N').Substring(0, 10))"
    New-Item -ItemType Directory -Path $path -Force | Out-Null
    $path
}

function New-TestFile([string] $Path, [int] $Size = 1024, [int] $Seed = 1) {
    New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
    $bytes = [byte[]]::new($Size)
    [Random]::new($Seed).NextBytes($bytes)
    [IO.File]::WriteAllBytes($Path, $bytes)
    Get-Item $Path
}

# Asks for a value the test server harness sets; fails (never skips) when the server is missing.
function Get-RequiredTestVariable([string] $Name) {
    $value = [Environment]::GetEnvironmentVariable($Name)
    if (-not $value) { throw "The environment variable $Name is not set: start the test servers (build.ps1 Test)." }
    $value
}

# Runs a script in a fresh pwsh (the same one running the tests) and returns its output and exit code.
function Invoke-ChildPwsh([string] $Script, [hashtable] $Environment = @{}) {
    $file = Join-Path ([IO.Path]::GetTempPath()) "mf-child-$([guid]::NewGuid().ToString('N')).ps1"
    Set-Content -Path $file -Value $Script
    $saved = @{}
    foreach ($k in $Environment.Keys) { $saved[$k] = [Environment]::GetEnvironmentVariable($k); [Environment]::SetEnvironmentVariable($k, $Environment[$k]) }
    try {
        $output = & ([Environment]::ProcessPath) (Join-Path $PSHOME 'pwsh.dll') -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
        [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output -join "`n") }
    }
    finally {
        foreach ($k in $saved.Keys) { [Environment]::SetEnvironmentVariable($k, $saved[$k]) }
        Remove-Item $file -ErrorAction SilentlyContinue
    }
}

# The module manifest the tests import (for child processes).
$script:ModuleManifest = Join-Path $modulePath 'MedallionFoundry.psd1'

# Loads SDK assemblies shipped with the module (wherever the build lays them out) into this test
# session, for setting up servers (buckets, containers, planted keys) the module itself does not manage.
function Import-ModuleSdk([string[]] $Name) {
    $moduleFolder = Split-Path (Get-Module MedallionFoundry).Path
    foreach ($n in $Name) {
        $dll = Get-ChildItem $moduleFolder -Recurse -Filter "$n.dll" | Select-Object -First 1
        if (-not $dll) { throw "The module folder $moduleFolder has no $n.dll." }
        Add-Type -Path $dll.FullName
    }
}

# Starts the fault proxy (tests/FaultProxy) in front of a test server; returns an object with Url and
# Stop(). Arguments as for FaultProxy.dll: --failure-rate, --reset-rate, --delay-ms, --bytes-per-second, --deny.
function Start-FaultProxy([string] $Target, [string[]] $Arguments = @()) {
    $dll = Get-ChildItem (Join-Path $PSScriptRoot '../FaultProxy/bin') -Recurse -Filter 'FaultProxy.dll' |
        Sort-Object LastWriteTime -Descending | Select-Object -First 1
    if (-not $dll) { throw 'tests/FaultProxy is not built (build.ps1 Test builds it).' }
    $info = [Diagnostics.ProcessStartInfo]::new([Environment]::ProcessPath)
    $info.ArgumentList.Add($dll.FullName)
    foreach ($a in @('--target', $Target) + $Arguments) { $info.ArgumentList.Add($a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $process = [Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch '^listening (\S+)') { throw "The fault proxy did not start: $line" }
    # The proxy's address with the target's path (Azurite's account), so it stands in for the target.
    $proxy = [pscustomobject]@{ Url = $Matches[1] + ([Uri]$Target).AbsolutePath.TrimEnd('/'); Process = $process }
    $proxy | Add-Member -MemberType ScriptMethod -Name Stats -Value {
        $this.Process.StandardInput.WriteLine('stats'); $this.Process.StandardOutput.ReadLine() }
    $proxy | Add-Member -MemberType ScriptMethod -Name Stop -Value {
        try { $this.Process.StandardInput.Close(); if (-not $this.Process.WaitForExit(5000)) { $this.Process.Kill() } } catch { } }
    $proxy
}
