<#
.SYNOPSIS
Builds, tests and demonstrates the MedallionFoundry module.

.DESCRIPTION
Tasks (run in the order given):
  Build    Lays the module out in out/MedallionFoundry (manifest, assemblies, formats, help).
  Test     Build, start the real test servers on 127.0.0.1, run the xunit and Pester suites,
           print "N passed, N failed" and exit non-zero on any failure.
  Demo     Build, then run docs/examples/demo.ps1 against the local-disk backend.
  Package  Build, then pack out/MedallionFoundry into a gallery-ready out/MedallionFoundry.<version>.nupkg.
  Install  Build (unless -NoBuild), then copy the module into the user's module path
           (Modules/MedallionFoundry/<version>), so Import-Module MedallionFoundry works in any pwsh.
  Servers  Build (unless -NoBuild), then start a playground: the S3 server and Azurite the tests use,
           detached, with bucket/container 'bronze', ready configs and env files in .playground/
           (or -PlaygroundFolder); prints how to try them and how to stop them.
  StopServers  Stop the playground's servers (their data stays in the folder).
  Clean    Stop the playground, remove build output, test scratch folders and the playground's data.

.EXAMPLE
dotnet tool restore; dotnet pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Demo', 'Package', 'Install', 'Servers', 'StopServers', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Optional xunit filter expression (dotnet test --filter), e.g. "FullyQualifiedName~Local".
    [string] $XunitFilter,

    # Optional Pester test file name filter, e.g. "*Send*".
    [string] $PesterFilter,

    # Install, Servers: use the module already built in out/ instead of building it first.
    [switch] $NoBuild,

    # Build: leave the assemblies IL-only (no ReadyToRun precompilation; first calls of a session are slower).
    [switch] $NoReadyToRun,

    # Servers, StopServers, Clean: the playground's folder (configs, env files, server data and logs).
    [string] $PlaygroundFolder = (Join-Path $PSScriptRoot '.playground')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$Root = $PSScriptRoot
$ModuleOut = Join-Path $Root 'out/MedallionFoundry'
$RunFolder = Join-Path $Root '.test-run'

function Invoke-Native([string] $What, [scriptblock] $Command) {
    & $Command
    if ($LASTEXITCODE -ne 0) { throw "$What failed (exit code $LASTEXITCODE)." }
}

function Invoke-Build {
    Write-Host "== Build ($Configuration) -> $ModuleOut"
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    Invoke-Native 'dotnet publish' {
        dotnet publish (Join-Path $Root 'src/MedallionFoundry/MedallionFoundry.csproj') -c $Configuration -o $ModuleOut --nologo -v quiet -p:GenerateDocumentationFile=false
    }
    Copy-Item (Join-Path $Root 'MedallionFoundry.psd1') $ModuleOut
    & (Join-Path $Root 'src/MedallionFoundry/Packaging/Update-ReleaseNotes.ps1') -ManifestPath (Join-Path $ModuleOut 'MedallionFoundry.psd1') -ChangelogPath (Join-Path $Root 'docs/CHANGELOG.md')
    # Assemblies PowerShell already provides must not ship beside the module.
    Get-ChildItem $ModuleOut -Filter 'System.Management.Automation.dll' | Remove-Item -Force
    Move-DependenciesAside
    if (-not $NoReadyToRun) {
        & (Join-Path $Root 'src/MedallionFoundry/Packaging/Invoke-ReadyToRun.ps1') -ModulePath $ModuleOut -CacheFolder (Join-Path $Root 'obj/ReadyToRun')
    }
    Invoke-Native 'help generation' {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'src/MedallionFoundry/Help/ConvertTo-MamlHelp.ps1') -ModulePath $ModuleOut -DocsPath (Join-Path $Root 'docs')
    }
}

# The module root keeps only what PowerShell loads itself (manifest, cmdlet assembly, format and type
# files, help); MedallionFoundry.Core and every SDK assembly go to dependencies/, which only the module's
# own AssemblyLoadContext reads (src/MedallionFoundry/Isolation), so other versions in the session do not clash.
function Move-DependenciesAside {
    $rootFiles = @('MedallionFoundry.dll', 'MedallionFoundry.pdb', 'MedallionFoundry.psd1', 'MedallionFoundry.Format.ps1xml', 'en-US')
    $dependencies = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'dependencies') -Force
    Get-ChildItem $ModuleOut | Where-Object { $_.Name -ne 'dependencies' -and $_.Name -notin $rootFiles } |
        Move-Item -Destination $dependencies.FullName
    # The cmdlet project's deps.json describes the flat publish layout; nothing reads it in this one.
    Remove-Item (Join-Path $dependencies.FullName 'MedallionFoundry.deps.json') -ErrorAction SilentlyContinue
    if (-not (Test-Path (Join-Path $dependencies.FullName 'MedallionFoundry.Core.dll'))) { throw 'MedallionFoundry.Core.dll is missing from the build output.' }
    Write-AssemblyVersionList $dependencies.FullName
}

# The module's load context compares these with the framework's copies at run time; reading them from the
# files then would load System.Reflection.Metadata into the user's session (DependencyLoadContext.FolderVersion).
function Write-AssemblyVersionList([string] $Folder) {
    $lines = Get-ChildItem $Folder -Filter *.dll -Recurse | Sort-Object FullName | ForEach-Object {
        $relative = [IO.Path]::GetRelativePath($Folder, $_.FullName).Replace('\', '/')
        "$relative`t$([Reflection.AssemblyName]::GetAssemblyName($_.FullName).Version)"
    }
    [IO.File]::WriteAllLines((Join-Path $Folder 'assembly-versions.txt'), [string[]]$lines)
}

function Get-PesterManifest {
    Invoke-Native 'restoring Pester from NuGet' {
        dotnet restore (Join-Path $Root 'tests/Pester/PesterPackage.csproj') --nologo -v quiet
    }
    $packages = (dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $manifest = Join-Path $packages.Trim() 'pester/6.2.0/tools/Pester.psd1'
    if (-not (Test-Path $manifest)) { throw "Pester was restored but $manifest is missing." }
    $manifest
}

function Read-XunitCounts([string] $TrxPath) {
    if (-not (Test-Path $TrxPath)) { return [pscustomobject]@{ Passed = 0; Failed = 1; Note = 'no xunit results (the run crashed)'; FailedNames = @() } }
    [xml] $trx = Get-Content $TrxPath -Raw
    $c = $trx.TestRun.ResultSummary.Counters
    # Names of the failed tests, repeated beside the final line so that a log's tail says what failed.
    $names = @($trx.SelectNodes("//*[local-name()='UnitTestResult']") |
        Where-Object { $_.GetAttribute('outcome') -notin 'Passed', 'NotExecuted' } | ForEach-Object { $_.GetAttribute('testName') })
    [pscustomobject]@{ Passed = [int]$c.passed; Failed = [int]$c.failed + [int]$c.error + [int]$c.timeout + [int]$c.aborted; Note = ''; FailedNames = $names }
}

function Invoke-Test {
    Invoke-Build
    $pester = Get-PesterManifest
    if (Test-Path $RunFolder) { Remove-Item $RunFolder -Recurse -Force }
    New-Item -ItemType Directory -Path $RunFolder | Out-Null

    Import-Module (Join-Path $Root 'tests/servers/TestServers.psm1') -Force
    $xunit = $null; $pesterCounts = $null
    # The suites' scratch files (thousands of folders, GBs with the big-file tests) go to a temp folder of
    # this run, removed at its end: set after the servers start, so theirs stay where they were put.
    $tempVariables = if ($IsWindows) { @('TMP', 'TEMP') } else { @('TMPDIR') }
    $savedTemp = @{}; foreach ($name in $tempVariables) { $savedTemp[$name] = [Environment]::GetEnvironmentVariable($name) }
    $runTemp = Join-Path ([IO.Path]::GetTempPath()) "mf-test-tmp-$PID"
    try {
        Start-TestServers -WorkFolder $RunFolder
        New-Item -ItemType Directory -Force $runTemp | Out-Null
        foreach ($name in $tempVariables) { [Environment]::SetEnvironmentVariable($name, $runTemp) }

        Write-Host '== xunit'
        $trx = Join-Path $RunFolder 'xunit.trx'
        $arguments = @('test', (Join-Path $Root 'tests/MedallionFoundry.Tests/MedallionFoundry.Tests.csproj'), '-c', $Configuration, '--nologo',
            '--logger', "trx;LogFileName=$trx", '--logger', 'console;verbosity=minimal')
        if ($XunitFilter) { $arguments += @('--filter', $XunitFilter) }
        & dotnet @arguments
        $xunit = Read-XunitCounts $trx

        Write-Host '== Pester'
        $pesterJson = Join-Path $RunFolder 'pester.json'
        & dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'tests/Pester/Invoke-PesterSuite.ps1') `
            -PesterManifest $pester -ModulePath $ModuleOut -ResultPath $pesterJson -Filter $PesterFilter
        $pesterCounts = if (Test-Path $pesterJson) { Get-Content $pesterJson -Raw | ConvertFrom-Json }
                        else { [pscustomobject]@{ Passed = 0; Failed = 1; Note = 'no Pester results (the run crashed)' } }
    }
    finally {
        foreach ($name in $tempVariables) { [Environment]::SetEnvironmentVariable($name, $savedTemp[$name]) }
        # rm also removes paths longer than the system's limit (a test makes one), where Remove-Item cannot.
        if ($IsWindows) { Remove-Item $runTemp -Recurse -Force -ErrorAction SilentlyContinue } else { & rm -rf -- $runTemp }
        Stop-TestServers
    }

    $passed = $xunit.Passed + $pesterCounts.Passed
    $failed = $xunit.Failed + $pesterCounts.Failed
    Write-Host ("xunit: {0} passed, {1} failed {2}" -f $xunit.Passed, $xunit.Failed, $xunit.Note)
    Write-Host ("pester: {0} passed, {1} failed {2}" -f $pesterCounts.Passed, $pesterCounts.Failed, $pesterCounts.Note)
    foreach ($counts in @($xunit, $pesterCounts)) {
        if ($counts.PSObject.Properties['FailedNames']) { foreach ($name in @($counts.FailedNames) | Where-Object { $_ }) { Write-Host "failed: $name" } }
    }
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0 -or $passed -eq 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Invoke-Native 'the demo' {
        dotnet pwsh -NoProfile -NonInteractive -File (Join-Path $Root 'docs/examples/demo.ps1') -ModulePath $ModuleOut
    }
}

function Invoke-Package {
    Invoke-Build
    $package = & (Join-Path $Root 'src/MedallionFoundry/Packaging/New-ModulePackage.ps1') -ModulePath $ModuleOut -OutputFolder (Join-Path $Root 'out')
    Write-Host "== Package -> $package"
}

# The user's own module folder, the first entry of a fresh pwsh's PSModulePath.
function Get-UserModulePath {
    if ($IsWindows) { return Join-Path ([Environment]::GetFolderPath('MyDocuments')) 'PowerShell/Modules' }
    $data = if ($env:XDG_DATA_HOME) { $env:XDG_DATA_HOME } else { Join-Path $HOME '.local/share' }
    Join-Path $data 'powershell/Modules'
}

function Invoke-Install {
    if (-not $NoBuild) { Invoke-Build }
    if (-not (Test-Path (Join-Path $ModuleOut 'MedallionFoundry.psd1'))) { throw "No module in ${ModuleOut}: run build.ps1 Build first." }
    $version = (Import-PowerShellDataFile (Join-Path $ModuleOut 'MedallionFoundry.psd1')).ModuleVersion
    $target = Join-Path (Get-UserModulePath) "MedallionFoundry/$version"
    if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    New-Item -ItemType Directory -Path $target -Force | Out-Null
    Copy-Item (Join-Path $ModuleOut '*') $target -Recurse
    Write-Host "== Installed MedallionFoundry $version -> $target (Import-Module MedallionFoundry in any pwsh)"
}

function Invoke-Servers {
    if (-not $NoBuild) { Invoke-Build }
    Import-Module (Join-Path $Root 'tests/servers/Playground.psm1') -Force
    Start-Playground -Folder ([IO.Path]::GetFullPath($PlaygroundFolder)) -ModulePath (Join-Path $ModuleOut 'MedallionFoundry.psd1')
}

function Invoke-StopServers {
    Import-Module (Join-Path $Root 'tests/servers/Playground.psm1') -Force
    Stop-Playground -Folder ([IO.Path]::GetFullPath($PlaygroundFolder))
}

function Invoke-Clean {
    if (Test-Path $PlaygroundFolder) { Invoke-StopServers }
    foreach ($path in @((Join-Path $Root 'out'), $RunFolder, $PlaygroundFolder)) {
        if (Test-Path $path) { Remove-Item $path -Recurse -Force }
    }
    Invoke-Native 'dotnet clean' { dotnet clean (Join-Path $Root 'MedallionFoundry.sln') --nologo -v quiet }
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-Build }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Package' { Invoke-Package }
        'Install' { Invoke-Install }
        'Servers' { Invoke-Servers }
        'StopServers' { Invoke-StopServers }
        'Clean' { Invoke-Clean }
    }
}
