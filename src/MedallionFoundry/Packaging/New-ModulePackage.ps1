<#
.SYNOPSIS
Packs the built module folder into a PowerShell Gallery style .nupkg (what Publish-PSResource would
upload): the module files at the package root, a .nuspec generated from the module manifest, and the
Open Packaging Conventions parts ([Content_Types].xml, _rels/.rels) NuGet clients expect.
Installable with Install-PSResource/Save-PSResource from a folder repository.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputFolder
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Add-Type -AssemblyName System.IO.Compression

$ModulePath = (Resolve-Path $ModulePath).Path
$name = Split-Path $ModulePath -Leaf
$manifestPath = Join-Path $ModulePath "$name.psd1"
$manifest = Import-PowerShellDataFile $manifestPath
$psData = $manifest.PrivateData.PSData

foreach ($key in 'ModuleVersion', 'Author', 'Description', 'GUID') {
    if (-not $manifest[$key]) { throw "The manifest $manifestPath has no ${key}: the package needs it." }
}
foreach ($key in 'ProjectUri', 'LicenseUri', 'IconUri') {
    if ($psData.ContainsKey($key) -and -not $psData[$key]) { throw "PSData.$key is empty in ${manifestPath}: remove the key or give it a value." }
}

function Escape([string] $Text) { [System.Security.SecurityElement]::Escape($Text) }

# The gallery finds modules by these tags: PSModule, PSCmdlet_/PSCommand_ per cmdlet, PSIncludes_Cmdlet.
$cmdlets = @($manifest.CmdletsToExport)
$tags = @($psData.Tags) + @('PSModule') + @(if ($cmdlets) { 'PSIncludes_Cmdlet' }) +
    @($cmdlets | ForEach-Object { "PSCmdlet_$_"; "PSCommand_$_" })
$optional = [System.Text.StringBuilder]::new()
if ($psData.ContainsKey('ProjectUri')) { [void]$optional.AppendLine("    <projectUrl>$(Escape $psData.ProjectUri)</projectUrl>") }
if ($psData.ContainsKey('LicenseUri')) { [void]$optional.AppendLine("    <licenseUrl>$(Escape $psData.LicenseUri)</licenseUrl>") }
if ($psData.ContainsKey('IconUri')) { [void]$optional.AppendLine("    <iconUrl>$(Escape $psData.IconUri)</iconUrl>") }
if ($psData.ContainsKey('ReleaseNotes')) { [void]$optional.AppendLine("    <releaseNotes>$(Escape $psData.ReleaseNotes)</releaseNotes>") }
if ($manifest.Copyright) { [void]$optional.AppendLine("    <copyright>$(Escape $manifest.Copyright)</copyright>") }

$nuspec = @"
<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2011/08/nuspec.xsd">
  <metadata>
    <id>$(Escape $name)</id>
    <version>$(Escape $manifest.ModuleVersion)</version>
    <authors>$(Escape $manifest.Author)</authors>
    <owners>$(Escape $(if ($manifest.CompanyName) { $manifest.CompanyName } else { $manifest.Author }))</owners>
    <requireLicenseAcceptance>false</requireLicenseAcceptance>
    <description>$(Escape $manifest.Description)</description>
$($optional.ToString().TrimEnd())
    <tags>$(Escape ($tags -join ' '))</tags>
  </metadata>
</package>
"@

New-Item -ItemType Directory -Force -Path $OutputFolder | Out-Null
$package = Join-Path (Resolve-Path $OutputFolder).Path "$name.$($manifest.ModuleVersion).nupkg"
if (Test-Path $package) { Remove-Item $package -Force }

$files = @(Get-ChildItem $ModulePath -Recurse -File | ForEach-Object {
    [pscustomobject]@{ Full = $_.FullName; Entry = [IO.Path]::GetRelativePath($ModulePath, $_.FullName).Replace('\', '/') } })
$extensions = @($files | ForEach-Object { [IO.Path]::GetExtension($_.Entry).TrimStart('.') } | Where-Object { $_ } | Sort-Object -Unique)
$extensions = @($extensions | Where-Object { $_ -notin 'rels', 'nuspec' })
$contentTypes = @"
<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />
  <Default Extension="nuspec" ContentType="application/octet" />
$(($extensions | ForEach-Object { "  <Default Extension=`"$(Escape $_)`" ContentType=`"application/octet`" />" }) -join "`n")
</Types>
"@
$rels = @"
<?xml version="1.0" encoding="utf-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
  <Relationship Type="http://schemas.microsoft.com/packaging/2010/07/manifest" Target="/$name.nuspec" Id="R$([guid]::NewGuid().ToString('N').Substring(0, 16))" />
</Relationships>
"@

$stream = [IO.File]::Open($package, 'CreateNew')
$zip = [System.IO.Compression.ZipArchive]::new($stream, [System.IO.Compression.ZipArchiveMode]::Create)
try {
    function Add-Text([string] $Entry, [string] $Text) {
        $writer = [IO.StreamWriter]::new($zip.CreateEntry($Entry).Open(), [Text.UTF8Encoding]::new($false))
        try { $writer.Write($Text) } finally { $writer.Dispose() }
    }
    Add-Text '_rels/.rels' $rels
    Add-Text "$name.nuspec" $nuspec
    foreach ($f in $files) {
        [void][System.IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $f.Full, $f.Entry, [System.IO.Compression.CompressionLevel]::Optimal)
    }
    Add-Text '[Content_Types].xml' $contentTypes
}
finally {
    $zip.Dispose(); $stream.Dispose()
}
Write-Host "Package: $package ($([math]::Round((Get-Item $package).Length / 1MB, 1)) MB, $($files.Count) module files)"
$package
