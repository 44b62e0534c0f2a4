# Copy-BronzeFile and Move-BronzeFile as a user runs them: within S3 (server-side), S3 to Azure
# (streamed), within Azure (server-side, the SAS never shown), within a local folder (a rename),
# and the refusals: -NoClobber, missing sources, collisions, -WhatIf, a missing destination container.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $endpoint = Get-RequiredTestVariable 'MF_TEST_S3_ENDPOINT'
    $accessKey = Get-RequiredTestVariable 'MF_TEST_S3_ACCESS_KEY'
    $secretKey = Get-RequiredTestVariable 'MF_TEST_S3_SECRET_KEY'
    $env:MF_PESTER_COPY_AZURE = Get-RequiredTestVariable 'MF_TEST_AZURE_CONNECTION_STRING'
    $env:MF_PESTER_COPY_S3 = $endpoint

    Import-ModuleSdk AWSSDK.Core, AWSSDK.S3
    $script:Bucket = "mf-copy-$([guid]::NewGuid().ToString('N').Substring(0, 12))"
    $s3Config = [Amazon.S3.AmazonS3Config]@{ ServiceURL = $endpoint; ForcePathStyle = $true; AuthenticationRegion = 'us-east-1' }
    $client = [Amazon.S3.AmazonS3Client]::new([Amazon.Runtime.BasicAWSCredentials]::new($accessKey, $secretKey), $s3Config)
    try { $null = $client.PutBucketAsync($script:Bucket).GetAwaiter().GetResult() } finally { $client.Dispose() }

    $script:Work = New-TestFolder 'copy'
    $run = [guid]::NewGuid().ToString('N').Substring(0, 8)
    function New-Config([string] $Name, [string] $Text) {
        $path = Join-Path $script:Work "$Name.yaml"
        Set-Content -Path $path -Value $Text
        $path
    }
    $s3Yaml = New-Config 's3' @"
platform:
  bronze:
    storage_backend: s3
    s3_bucket: $($script:Bucket)
    s3_prefix: bronze/$run
  s3_connection:
    endpoint_url_env: MF_PESTER_COPY_S3
    access_key_env: MF_TEST_S3_ACCESS_KEY
    secret_key_env: MF_TEST_S3_SECRET_KEY
"@
    function Get-AzureYaml([string] $Container, [bool] $Create) { @"
platform:
  bronze:
    storage_backend: azure
    azure_storage_account: devstoreaccount1
    azure_container: $Container
    azure_prefix: bronze/$run
  azure_connection:
    connection_string_env: MF_PESTER_COPY_AZURE
    create_container: $($Create.ToString().ToLowerInvariant())
"@ }
    $azureYaml = New-Config 'azure' (Get-AzureYaml "mf-copy-$run" $true)
    $missingYaml = New-Config 'missing' (Get-AzureYaml "mf-copy-missing-$run" $false)

    Connect-BronzeStorage -ConfigPath $s3Yaml -Name s3
    Connect-BronzeStorage -ConfigPath $azureYaml -Name adls
    Connect-BronzeStorage -ConfigPath $missingYaml -Name nowhere -SkipCheck
    Connect-BronzeStorage -Backend local -Path (Join-Path $script:Work 'lake') -Name disk

    $script:Extract = Join-Path $script:Work 'extract'
    $script:Hashes = @{}
    foreach ($i in 1..3) {
        $file = New-TestFile -Path (Join-Path $script:Extract "part-000$i.bin") -Size (2000 * $i + 7) -Seed $i
        $script:Hashes[$file.Name] = (Get-FileHash $file.FullName).Hash
    }
    function Send-Landing([string] $Connection, [string] $Folder = 'landing/') {
        Get-ChildItem $script:Extract -File | Send-BronzeFile -Destination $Folder -Connection $Connection
    }
    function Get-RemoteHashes([string] $Connection, [string] $Prefix) {
        $down = Join-Path $script:Work "down-$([guid]::NewGuid().ToString('N').Substring(0, 6))"
        Get-BronzeFileList $Prefix -Connection $Connection | Get-BronzeFile -Destination $down | Out-Null
        $hashes = @{}
        foreach ($file in Get-ChildItem $down -File -Recurse) { $hashes[$file.Name] = (Get-FileHash $file.FullName).Hash }
        $hashes
    }
}

AfterAll {
    Disconnect-BronzeStorage -All -ErrorAction SilentlyContinue
    Remove-Item Env:MF_PESTER_COPY_AZURE, Env:MF_PESTER_COPY_S3 -ErrorAction SilentlyContinue
    if ($script:Work) { Remove-Item $script:Work -Recurse -Force -ErrorAction SilentlyContinue }
}

Describe 'Move-BronzeFile' {
    It 'moves landed files into a partition server-side on S3; the sources are gone' {
        Send-Landing s3
        $verbose = Get-BronzeFileList landing/ -Connection s3 | Move-BronzeFile -Destination system=crm/table=accounts/dt=2025-01-01/ -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message

        $verbose -join "`n" | Should -Match 'server-side, because same S3 endpoint and credentials'
        $verbose -join "`n" | Should -Match '3 files \(3 server-side, 0 streamed\), 3 sources removed'
        Get-BronzeFileList landing/ -Connection s3 | Should -BeNullOrEmpty
        $moved = Get-RemoteHashes s3 system=crm/table=accounts/dt=2025-01-01/
        $moved.Count | Should -Be 3
        foreach ($name in $script:Hashes.Keys) { $moved[$name] | Should -Be $script:Hashes[$name] }
    }

    It 'moves from S3 to Azure streamed, every file verified, the S3 sources gone' {
        Send-Landing s3 'to-azure/'
        $verbose = Get-BronzeFileList to-azure/ -Connection s3 | Move-BronzeFile -Destination migrated/ -DestinationConnection adls -PassThru -Verbose 4>&1
        $records = $verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message
        $objects = $verbose | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] }

        $records -join "`n" | Should -Match 'streamed through this machine, because the source is a s3 store and the destination Azure'
        $records -join "`n" | Should -Match 'size and MD5 verified'
        $objects.Connection | Sort-Object -Unique | Should -Be 'adls'
        $objects.Path | Sort-Object | Should -Be @('migrated/part-0001.bin', 'migrated/part-0002.bin', 'migrated/part-0003.bin')
        Get-BronzeFileList to-azure/ -Connection s3 | Should -BeNullOrEmpty
        $moved = Get-RemoteHashes adls migrated/
        foreach ($name in $script:Hashes.Keys) { $moved[$name] | Should -Be $script:Hashes[$name] }
    }

    It 'keeps every source when the destination container does not exist' {
        Send-Landing s3 'stay/'
        # A missing container is about the connection: one terminating error, not one per file (issue 13, item 4).
        $caught = $null
        try { Get-BronzeFileList stay/ -Connection s3 | Move-BronzeFile -Destination x/ -DestinationConnection nowhere -ErrorAction SilentlyContinue }
        catch { $caught = $_ }

        $caught.FullyQualifiedErrorId | Should -Match '^MoveBronzeFileContainerNotFound,'
        "$caught" | Should -Match 'Stopped at this first connection failure'
        (Get-BronzeFileList stay/ -Connection s3).Count | Should -Be 3
    }

    It 'copies and deletes nothing with -WhatIf' {
        Send-Landing s3 'whatif/'
        Get-BronzeFileList whatif/ -Connection s3 | Move-BronzeFile -Destination elsewhere/ -WhatIf

        (Get-BronzeFileList whatif/ -Connection s3).Count | Should -Be 3
        Get-BronzeFileList elsewhere/ -Connection s3 | Should -BeNullOrEmpty
    }

    It 'renames within a local store' {
        Send-Landing disk
        Get-BronzeFileList landing/ -Connection disk | Move-BronzeFile -Destination done/ -Verbose 4>&1 |
            ForEach-Object Message | Where-Object { $_ -match 'renamed' } | Should -HaveCount 3
        Test-Path (Join-Path $script:Work 'lake/landing') | Should -BeFalse
        (Get-ChildItem (Join-Path $script:Work 'lake/done') -File).Count | Should -Be 3
    }
}

Describe 'Copy-BronzeFile' {
    BeforeAll {
        New-TestFile -Path (Join-Path $script:Extract 'nested/a/deep.bin') -Size 5000 -Seed 21 | Out-Null
        Send-BronzeFile -Path $script:Extract -Recurse -Destination tree/ -Connection adls
    }

    It 'copies a prefix with -Recurse server-side in Azure, keeping the layout, and shows no secret' {
        $verbose = Copy-BronzeFile tree/ -Recurse -Destination copy-of-tree/ -Connection adls -Verbose 4>&1 | ForEach-Object Message

        $verbose -join "`n" | Should -Match 'server-side, because same Azure storage account'
        $verbose -join "`n" | Should -Not -Match 'sig=|AccountKey|Eby8vdM02x'
        (Get-BronzeFileList copy-of-tree/ -Connection adls).Path | Sort-Object |
            Should -Be @('copy-of-tree/nested/a/deep.bin', 'copy-of-tree/part-0001.bin', 'copy-of-tree/part-0002.bin', 'copy-of-tree/part-0003.bin')
        (Get-BronzeFileList tree/ -Connection adls).Count | Should -Be 4
    }

    It 'refuses a folder without -Recurse' {
        $errors = $null
        Copy-BronzeFile tree/ -Destination x/ -Connection adls -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -Match '^CopyBronzeFileIsFolder,'
    }

    It 'with -NoClobber reports CopyBronzeFileAlreadyExists and keeps the destination' {
        Copy-BronzeFile tree/part-0001.bin -Destination kept/part-0001.bin -Connection adls
        $before = (Get-BronzeFileList kept/ -Connection adls).ETag
        $errors = $null
        Copy-BronzeFile tree/part-0002.bin -Destination kept/part-0001.bin -Connection adls -NoClobber -ErrorAction SilentlyContinue -ErrorVariable errors

        $errors[0].FullyQualifiedErrorId | Should -Match '^CopyBronzeFileAlreadyExists,'
        (Get-BronzeFileList kept/ -Connection adls).ETag | Should -Be $before
    }

    It 'reports a missing source as CopyBronzeFileNotFound, naming it' {
        $errors = $null
        Copy-BronzeFile tree/no-such.bin -Destination x/ -Connection adls -ErrorAction SilentlyContinue -ErrorVariable errors
        $errors[0].FullyQualifiedErrorId | Should -Match '^CopyBronzeFileNotFound,'
        $errors[0].TargetObject | Should -Be 'tree/no-such.bin'
    }

    It 'refuses a second source for one destination and copies only the first' {
        Copy-BronzeFile tree/part-0003.bin -Destination other/part-0001.bin -Connection adls
        $errors = $null
        'tree/part-0001.bin', 'other/part-0001.bin' | Copy-BronzeFile -Destination clash/ -Connection adls -ErrorAction SilentlyContinue -ErrorVariable errors

        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Match '^CopyBronzeFileDestinationCollision,'
        $errors[0].TargetObject | Should -Be 'other/part-0001.bin'
        $copied = Get-RemoteHashes adls clash/
        $copied['part-0001.bin'] | Should -Be $script:Hashes['part-0001.bin']
    }
}
